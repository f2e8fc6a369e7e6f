package app

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// changeEntry is an entry of the change stream as a client decodes it.
type changeEntry struct {
	Seq           uint64          `json:"seq"`
	Kind          string          `json:"kind"`
	RecordID      uint64          `json:"record_id"`
	ContentSHA256 string          `json:"content_sha256"`
	Attachments   []string        `json:"attachments"`
	PrevHash      string          `json:"prev_hash"`
	Hash          string          `json:"hash"`
	At            time.Time       `json:"at"`
	Record        json.RawMessage `json:"record"`
}

// chainClient is what a client of the change stream keeps: the last seq and hash it verified.
type chainClient struct {
	seq  uint64
	hash string
}

// check verifies e follows what the client read so far, as a client would, from the published
// formula (not models' code): the entry links to the last hash, its own hash recomputes, and the
// record's content_sha256 is the entry's.
func (cc *chainClient) check(e changeEntry) error {
	if e.Seq != cc.seq+1 || e.PrevHash != cc.hash {
		return fmt.Errorf("entry %d does not follow %d (%s)", e.Seq, cc.seq, cc.hash)
	}
	s := fmt.Sprintf("pilu-ledger-v1\n%d\n%s\n%d\n%s\n%s\n%s\n%s", e.Seq, e.Kind, e.RecordID, e.ContentSHA256,
		strings.Join(e.Attachments, ","), e.PrevHash, e.At.UTC().Format(time.RFC3339))
	sum := sha256.Sum256([]byte(s))
	if hex.EncodeToString(sum[:]) != e.Hash {
		return fmt.Errorf("entry %d: the hash does not recompute", e.Seq)
	}
	var rec struct {
		ContentSHA256 string `json:"content_sha256"`
	}
	if err := json.Unmarshal(e.Record, &rec); err != nil || rec.ContentSHA256 != e.ContentSHA256 {
		return fmt.Errorf("entry %d (%s %d): the record's content_sha256 %q is not the entry's", e.Seq, e.Kind, e.RecordID, rec.ContentSHA256)
	}
	cc.seq, cc.hash = e.Seq, e.Hash
	return nil
}

// readAll reads the change stream in pages of limit from after, verifying as it goes; it returns
// the entries read, the client's state and the first failure.
func (ts *testServer) readChanges(t *testing.T, cc *chainClient, limit int) ([]changeEntry, error) {
	t.Helper()
	var all []changeEntry
	for {
		var page struct {
			Items []changeEntry `json:"items"`
			Next  uint64        `json:"next"`
			Head  uint64        `json:"head"`
		}
		decode(t, ts.get(fmt.Sprintf("/api/v1/changes?after=%d&limit=%d", cc.seq, limit)), &page)
		if len(page.Items) > limit {
			t.Fatalf("%d items on a page of %d", len(page.Items), limit)
		}
		for _, e := range page.Items {
			if err := cc.check(e); err != nil {
				return all, err
			}
			all = append(all, e)
		}
		if page.Next != cc.seq {
			t.Fatalf("next %d, last read %d", page.Next, cc.seq)
		}
		if len(page.Items) == 0 {
			if page.Head != cc.seq {
				t.Fatalf("empty page at %d, head %d", cc.seq, page.Head)
			}
			return all, nil
		}
	}
}

// TestChangeStreamVerifiesAndResumes publishes two records of each kind and reads the change
// stream in pages of 3 like a client: every entry chains, every record carries the entry's content
// hash, and reading resumes from the last seq. A record changed in the database after publication
// makes the client's check fail at exactly its entry; an after beyond the head is an empty page.
func TestChangeStreamVerifiesAndResumes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			set := ts.publishAll("MA5CH0001")
			ts.publishAll("MA5CH0002")

			cc := &chainClient{}
			all, err := ts.readChanges(t, cc, 3)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, e := range all {
				kinds[e.Kind]++
			}
			if len(all) != 8 || kinds["notice"] != 2 || kinds["disclosure"] != 2 || kinds["decision"] != 2 || kinds["outcome"] != 2 {
				t.Fatalf("read %d entries %v, want two of each kind", len(all), kinds)
			}
			var dec struct {
				USCC string `json:"uscc"`
				To   string `json:"to"`
			}
			for _, e := range all {
				if e.Kind == "decision" {
					json.Unmarshal(e.Record, &dec)
					break
				}
			}
			if dec.USCC != set.in.USCC || dec.To != "zombie" {
				t.Fatalf("decision record %+v, want the zombie class of %s", dec, set.in.USCC)
			}

			// Resuming past the head reads nothing; the next publication is read from there.
			if more, err := ts.readChanges(t, cc, 100); err != nil || len(more) != 0 {
				t.Fatalf("past the head: %d entries, %v", len(more), err)
			}
			var far struct {
				Items []changeEntry `json:"items"`
				Next  uint64        `json:"next"`
			}
			decode(t, ts.get("/api/v1/changes?after=1000"), &far)
			if len(far.Items) != 0 || far.Next != 1000 {
				t.Fatalf("after=1000: %+v", far)
			}
			if _, err := ts.store.FileDisclosure(context.Background(), set.in, models.NewDisclosure{Kind: "other", Title: "补充公告",
				Body: "补充说明。"}, "filer@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}
			more, err := ts.readChanges(t, cc, 100)
			if err != nil || len(more) != 1 || more[0].Kind != "disclosure" {
				t.Fatalf("after publishing: %d entries, %v", len(more), err)
			}

			// A record changed after publication: a fresh reader's check fails at its entry.
			dbtest.Handle(context.Background(), ts.store).Exec("UPDATE notices SET title = ? WHERE id = ?", "关于僵尸类机构名单的公告 ", set.notice.ID)
			var noticeSeq uint64
			for _, e := range all {
				if e.Kind == "notice" && e.RecordID == set.notice.ID {
					noticeSeq = e.Seq
				}
			}
			fresh := &chainClient{}
			_, err = ts.readChanges(t, fresh, 1000)
			if err == nil || fresh.seq != noticeSeq-1 || !strings.Contains(err.Error(), "content_sha256") {
				t.Fatalf("changed notice (entry %d): client stopped after %d with %v", noticeSeq, fresh.seq, err)
			}
		})
	}
}

// TestChangeStreamRefusesBadCursors: after and Last-Event-ID must be whole numbers from 0, limit
// from 1 (400 naming the field); a limit above 1,000 is capped, not refused.
func TestChangeStreamRefusesBadCursors(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	ts.publishAll("MA5CH0003")
	for _, tc := range []struct{ query, header, field string }{
		{"after=abc", "", "after"},
		{"after=-1", "", "after"},
		{"after=1.5", "", "after"},
		{"after=99999999999999999999999", "", "after"},
		{"limit=0", "", "limit"},
		{"limit=-3", "", "limit"},
		{"limit=ten", "", "limit"},
		{"after=0", "x", "Last-Event-ID"},
	} {
		var r response
		if tc.header != "" {
			r = ts.get("/api/v1/changes?"+tc.query, "Last-Event-ID", tc.header)
		} else {
			r = ts.get("/api/v1/changes?" + tc.query)
		}
		if r.StatusCode != 400 {
			t.Fatalf("%s %s: %d, want 400: %.200s", tc.query, tc.header, r.StatusCode, r.body)
		}
		if code, fields := jsonError(t, r); code != "bad_request" || fields[tc.field] == "" {
			t.Fatalf("%s: %s %v, want bad_request on %s", tc.query, code, fields, tc.field)
		}
	}
	var page struct {
		Items []changeEntry `json:"items"`
	}
	decode(t, ts.get("/api/v1/changes?limit=5000"), &page)
	if len(page.Items) != 4 {
		t.Fatalf("limit=5000: %d items, want all 4", len(page.Items))
	}
	decode(t, ts.get("/api/v1/changes?after=0", "Last-Event-ID", "3"), &page)
	if len(page.Items) != 1 || page.Items[0].Seq != 4 {
		t.Fatalf("Last-Event-ID 3: %+v, want entry 4 only", page.Items)
	}
}

// sseEvent is one Server-Sent Event: its id and data, or a comment.
type sseEvent struct {
	id, data, comment string
}

// readEvents parses Server-Sent Events from r onto a channel, closed at the end of the stream.
func readEvents(r *bufio.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = line
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return out
}

// TestChangeStreamEventsDeliverNewEntries connects an event-stream client to a real server (after
// a JSON read of the same address, which the response cache keeps): the entries already published
// arrive with their seq as id, then one published after connecting, heartbeats in between, and the
// connection ends after its lifetime. A reconnect with Last-Event-ID resumes after that entry.
func TestChangeStreamEventsDeliverNewEntries(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ts.changeTiming = changeStreamTiming{poll: 50 * time.Millisecond, heartbeat: 200 * time.Millisecond, lifetime: 3 * time.Second}
			set := ts.publishAll("MA5CH0004")
			ts.get("/api/v1/changes?after=0") // kept by the response cache: the stream must not get it
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go ts.Handler().Listener(ln)
			t.Cleanup(func() { ts.Handler().ShutdownWithTimeout(time.Second) })

			open := func(lastID string) (*http.Response, <-chan sseEvent) {
				req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/changes?after=0", nil)
				req.Header.Set("Accept", "text/event-stream")
				if lastID != "" {
					req.Header.Set("Last-Event-ID", lastID)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { res.Body.Close() })
				if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") ||
					res.Header.Get("Cache-Control") != "no-store" || res.Uncompressed {
					t.Fatalf("stream answer: %d %v", res.StatusCode, res.Header)
				}
				return res, readEvents(bufio.NewReader(res.Body))
			}
			next := func(events <-chan sseEvent, wantComment bool) (sseEvent, bool) {
				t.Helper()
				for {
					select {
					case ev, ok := <-events:
						if !ok || ev.comment == "" || wantComment {
							return ev, ok
						}
					case <-time.After(10 * time.Second):
						t.Fatal("no event within 10 s")
					}
				}
			}
			start := time.Now()
			_, events := open("")
			cc := &chainClient{}
			for want := 1; want <= 4; want++ {
				ev, ok := next(events, false)
				var e changeEntry
				if !ok || ev.id != fmt.Sprint(want) || json.Unmarshal([]byte(ev.data), &e) != nil {
					t.Fatalf("event %d: %+v (open %v)", want, ev, ok)
				}
				if err := cc.check(e); err != nil {
					t.Fatal(err)
				}
			}
			if ev, ok := next(events, true); !ok || !strings.HasPrefix(ev.comment, ": heartbeat") {
				t.Fatalf("idle: %+v, want a heartbeat", ev)
			}
			if _, err := ts.store.FileDisclosure(context.Background(), set.in, models.NewDisclosure{Kind: "other", Title: "补充公告",
				Body: "补充说明。"}, "filer@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}
			ev, ok := next(events, false)
			var e changeEntry
			if !ok || ev.id != "5" || json.Unmarshal([]byte(ev.data), &e) != nil || e.Kind != "disclosure" {
				t.Fatalf("published after connecting: %+v (open %v)", ev, ok)
			}
			if err := cc.check(e); err != nil {
				t.Fatal(err)
			}
			if _, ok := next(events, false); ok {
				t.Fatal("an event after the last entry")
			}
			if d := time.Since(start); d < 3*time.Second || d > 8*time.Second {
				t.Fatalf("the stream lasted %v, want its 3 s lifetime", d)
			}

			_, events = open("4") // an EventSource reconnecting
			if ev, ok := next(events, false); !ok || ev.id != "5" {
				t.Fatalf("Last-Event-ID 4: first event %+v", ev)
			}
		})
	}
}
