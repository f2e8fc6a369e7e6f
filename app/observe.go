package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// requestIDKey is where a request's id is kept in the Fiber context.
const requestIDKey = "pilu.request_id"

// headerRequestID carries a request's id in both directions: a trusted proxy may name it (nginx's
// $request_id), and every answer returns it, so that a citizen's complaint can be matched to a log line.
const headerRequestID = "X-Request-Id"

// requestIDPattern is what an id named by a proxy must look like to be kept (no log injection).
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID returns the id of the request: set by observe, "" before it.
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// newRequestID makes a random id of 16 hex characters.
func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// observe gives every request an id (returned in X-Request-Id and shown on error pages), writes one
// log line a request, and counts it into the metrics by route pattern and status. Errors are
// answered here, through the one error handler, so that the line and the metrics carry the status
// the client got.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(headerRequestID)
	if len(s.cfg.TrustedProxies) == 0 || !c.IsProxyTrusted() || !requestIDPattern.MatchString(id) {
		id = newRequestID()
	} else {
		id = string([]byte(id)) // Fiber reuses the request's memory
	}
	c.Locals(requestIDKey, id)
	c.Set(headerRequestID, id)
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	// Label values are kept by the metrics for good: copies, since Fiber's strings share the memory
	// of requests it reuses (a kept "POST" that later read "GET " made /metrics answer 500 with
	// "collected before with the same name and label values").
	route, method := strings.Clone(c.Route().Path), strings.Clone(c.Method())
	elapsed := time.Since(start)
	s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	size := c.Response().Header.ContentLength() // a streamed answer (-1 when chunked) is not read here: Body() would wait for all of it
	if !c.Response().IsBodyStream() {
		size = len(c.Response().Body())
	}
	s.log.LogAttrs(c.UserContext(), level, "request", slog.String("id", id), slog.String("method", c.Method()),
		slog.String("route", route), slog.String("path", c.Path()), slog.Int("status", status),
		slog.Int("bytes", size), slog.Duration("took", elapsed))
	return nil
}

// metrics are the portal's Prometheus metrics, in a registry of the Server's own (never the
// package-wide default), served on PILU_METRICS_ADDR only.
type metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	searchLatency  *prometheus.HistogramVec
	blobErrors     prometheus.Counter
	uploadBytes    prometheus.Counter
	schedulerLease prometheus.Gauge
	webhookTries   *prometheus.CounterVec
}

// newMetrics registers the metrics of s: requests, searches, uploads, the index and the outbox
// (read when scraped), and Go's runtime and process.
func newMetrics(s *Server) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pilu_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pilu_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern and method.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)},
		[]string{"route", "method"})
	m.searchLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pilu_search_duration_seconds",
		Help: "Time to run a search in the index, by query class.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)},
		[]string{"class"})
	m.blobErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "pilu_blob_errors_total",
		Help: "Object store operations that failed."})
	m.uploadBytes = prometheus.NewCounter(prometheus.CounterOpts{Name: "pilu_upload_bytes_total",
		Help: "Bytes of attachments and evidence stored."})
	m.schedulerLease = prometheus.NewGauge(prometheus.GaugeOpts{Name: "pilu_scheduler_lease_held",
		Help: "1 while this process holds the scheduler's lease (one process of a portal runs the scheduler)."})
	m.webhookTries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pilu_webhook_tries_total",
		Help: "Tries to deliver a change to a webhook, by what became of the delivery: delivered, pending (tried again later) or failed (given up)."},
		[]string{"outcome"})
	indexDocs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pilu_index_documents",
		Help: "Documents in this process's search index."}, func() float64 {
		docs, _, _, _ := s.indexer.Status(context.Background())
		return float64(docs)
	})
	outboxLag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pilu_outbox_lag",
		Help: "Outbox records not yet in this process's search index."}, func() float64 {
		_, lag, _, _ := s.indexer.Status(context.Background())
		return float64(lag)
	})
	m.registry.MustRegister(m.requests, m.latency, m.searchLatency, m.blobErrors, m.uploadBytes, m.schedulerLease, m.webhookTries,
		indexDocs, outboxLag, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// serveMetrics serves /metrics on ln (PILU_METRICS_ADDR) until ctx ends; never on the public
// listener.
func (s *Server) serveMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// queryClass names the kind of a search for its latency metric: a credit code, a phrase, several
// words, one short word (one or two characters), one word, or no text (filters only).
func queryClass(text string) string {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "filters"
	case len(text) == 18 && strings.IndexFunc(text, func(r rune) bool { return !unicode.IsDigit(r) && !unicode.IsUpper(r) }) < 0:
		return "uscc"
	case strings.ContainsRune(text, '"'):
		return "phrase"
	case strings.ContainsAny(text, " \t　"):
		return "words"
	case utf8.RuneCountInString(text) <= 2:
		return "short"
	}
	return "word"
}

// NewLogger writes log lines to w as text or, with PILU_LOG_FORMAT=json, as JSON objects.
func NewLogger(format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
