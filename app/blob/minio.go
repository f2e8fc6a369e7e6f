package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// MinIOConfig says where the bucket of a MinIO store is.
type MinIOConfig struct {
	Endpoint  string // host:port; an http:// or https:// prefix is accepted and sets Secure
	AccessKey string
	SecretKey string
	Bucket    string
	Secure    bool   // TLS
	Region    string // "us-east-1" when empty
}

// MinIO is a Store in an S3 bucket reached through minio-go; it is tested
// against MinIO and SeaweedFS (see package s3test). Object names are the keys.
// Stat and Open give the SHA-256 only of objects that carry it as user metadata
// (those written before Put stopped copying each object onto itself to add it);
// the portal keeps every attachment's SHA-256 in its database row.
type MinIO struct {
	client   *minio.Client
	bucket   string
	endpoint string
}

var _ Store = (*MinIO)(nil)

const (
	// minioPartSize and minioStreams bound the memory of a large upload:
	// minio-go reads the stream into minioStreams buffers of minioPartSize
	// bytes (32 MiB) and sends those parts at once while it fills the next, so
	// the stream is read while the store writes (its default part would be
	// 512 MiB, and one part at a time leaves the sender idle while a part goes
	// up).
	minioPartSize = 8 << 20
	minioStreams  = 4
	// minioSmall is the most bytes of a stream of unknown size read ahead: a
	// stream that ends within them (most evidence and attachments) goes up in
	// one PUT of known size, without the part buffers.
	minioSmall = 1 << 20
	// minioConnectTimeout bounds NewMinIO when ctx has no deadline.
	minioConnectTimeout = 15 * time.Second
	// minioCleanupTimeout bounds the removal of a failed upload.
	minioCleanupTimeout = 10 * time.Second
	// minioMetaSHA256 is the user-metadata name (x-amz-meta-sha256).
	minioMetaSHA256 = "Sha256"
)

// NewMinIO connects to the bucket described by cfg, creating the bucket when
// it is missing. An endpoint that cannot be reached gives an error wrapping
// ErrUnavailable. Without a deadline on ctx, it gives up after 15 seconds.
func NewMinIO(ctx context.Context, cfg MinIOConfig) (*MinIO, error) {
	endpoint, secure := cfg.Endpoint, cfg.Secure
	switch {
	case strings.HasPrefix(endpoint, "http://"):
		endpoint = strings.TrimPrefix(endpoint, "http://")
	case strings.HasPrefix(endpoint, "https://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "https://"), true
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	if endpoint == "" {
		return nil, errors.New("blob: s3: no endpoint given (want host:port)")
	}
	if strings.Contains(endpoint, "/") {
		return nil, fmt.Errorf("blob: s3: endpoint %q must be host:port, without a path", cfg.Endpoint)
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("blob: s3: bucket %q: %w", cfg.Bucket, err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: secure,
		Region: region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: endpoint %q: %w", cfg.Endpoint, err)
	}
	m := &MinIO{client: client, bucket: cfg.Bucket, endpoint: endpoint}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, minioConnectTimeout)
		defer cancel()
	}
	exists, err := client.BucketExists(ctx, m.bucket)
	if err != nil {
		err = m.fail("connect", "", err)
		var ue *unavailableError
		if errors.As(err, &ue) && errors.Is(err, context.DeadlineExceeded) {
			// minio-go retried until the deadline; say why the last try failed.
			d := net.Dialer{Timeout: time.Second}
			if conn, derr := d.Dial("tcp", endpoint); derr != nil {
				ue.hint = derr.Error()
			} else {
				_ = conn.Close()
			}
		}
		return nil, err
	}
	if !exists {
		err := client.MakeBucket(ctx, m.bucket, minio.MakeBucketOptions{Region: region})
		if code := errorCode(err); err != nil && code != "BucketAlreadyOwnedByYou" {
			return nil, m.fail("create bucket", "", err)
		}
	}
	return m, nil
}

// Kind returns "s3": the store speaks S3 (through minio-go) to whichever server answers at its
// endpoint (SeaweedFS, MinIO or another), so it names the protocol, not a server.
func (m *MinIO) Kind() string { return "s3" }

// Bucket returns the name of the bucket.
func (m *MinIO) Bucket() string { return m.bucket }

// Ping checks that the bucket answers.
func (m *MinIO) Ping(ctx context.Context) error {
	exists, err := m.client.BucketExists(ctx, m.bucket)
	if err != nil {
		return m.fail("ping", "", err)
	}
	if !exists {
		return m.bucketMissing()
	}
	return nil
}

// bucketMissing is the error of a store whose bucket is gone.
func (m *MinIO) bucketMissing() error {
	return fmt.Errorf("blob: MinIO at %s: bucket %s is missing: %w", m.endpoint, m.bucket, ErrUnavailable)
}

// Put implements Store. The size is passed on when known; otherwise the
// stream goes up in parts of 16 MiB. The object is written once: its SHA-256
// is known only at the end, so it is returned in the Info for the caller to
// keep beside the object (the attachment row), not stored as object metadata
// (that took a second, server-side copy of every object). On any failure the
// object is removed (minio-go aborts an unfinished multipart upload itself).
func (m *MinIO) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error) {
	if err := checkPut(key, opts); err != nil {
		return Info{}, err
	}
	contentType := normContentType(opts.ContentType)
	pr := newPutReader(ctx, r, opts)
	size := opts.Size
	var body io.Reader = pr
	var err error
	if size < 0 {
		head := smallBuffers.Get().(*[]byte)
		defer smallBuffers.Put(head)
		body, size, err = readAhead(pr, *head)
	}
	var up minio.UploadInfo
	if err == nil {
		up, err = m.client.PutObject(ctx, m.bucket, key, body, size, minio.PutObjectOptions{
			ContentType:           contentType,
			PartSize:              minioPartSize,
			ConcurrentStreamParts: true,
			NumThreads:            minioStreams,
		})
	}
	if err == nil {
		err = pr.drained()
	}
	if err != nil {
		if pr.err != nil { // the stream's own failure, whatever minio-go made of it
			m.remove(ctx, key)
			return Info{}, readFailed(key, pr.err)
		}
		if !isNetworkError(err) { // an unreachable server holds nothing to remove
			m.remove(ctx, key)
		}
		return Info{}, m.fail("put", key, err)
	}
	modified := up.LastModified
	if modified.IsZero() {
		modified = time.Now()
	}
	return Info{Key: key, Size: pr.n, SHA256: pr.sum(), ContentType: contentType, Modified: modified}, nil
}

// smallBuffers hold the read-ahead of streams of unknown size (minioSmall bytes each).
var smallBuffers = sync.Pool{New: func() any {
	b := make([]byte, minioSmall)
	return &b
}}

// readAhead reads r into buf: a stream that ends there is returned as those bytes with their
// size; a longer one as buf followed by the rest of r, of unknown size (-1).
func readAhead(r io.Reader, buf []byte) (io.Reader, int64, error) {
	n, err := io.ReadFull(r, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return bytes.NewReader(buf[:n]), int64(n), nil
	case nil:
		return io.MultiReader(bytes.NewReader(buf), r), -1, nil
	}
	return nil, 0, err
}

// remove deletes what a failed Put may have left, even when ctx is done.
func (m *MinIO) remove(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), minioCleanupTimeout)
	defer cancel()
	_ = m.client.RemoveObject(ctx, m.bucket, key, minio.RemoveObjectOptions{})
}

// Open implements Store.
func (m *MinIO) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey("open", key); err != nil {
		return nil, Info{}, err
	}
	obj, err := m.client.GetObject(ctx, m.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, m.failObject(ctx, "open", key, err)
	}
	oi, err := obj.Stat() // sends the request
	if err != nil {
		_ = obj.Close()
		return nil, Info{}, m.failObject(ctx, "open", key, err)
	}
	return obj, minioInfo(oi), nil
}

// Stat implements Store.
func (m *MinIO) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey("stat", key); err != nil {
		return Info{}, err
	}
	oi, err := m.client.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, m.failObject(ctx, "stat", key, err)
	}
	return minioInfo(oi), nil
}

// Delete implements Store.
func (m *MinIO) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	err := m.client.RemoveObject(ctx, m.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && errorCode(err) != "NoSuchKey" {
		return m.fail("delete", key, err)
	}
	return nil
}

// List implements Store. Objects whose names are not keys are skipped.
func (m *MinIO) List(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's lister when fn fails
	for oi := range m.client.ListObjectsIter(ctx, m.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			return m.fail("list", "", oi.Err)
		}
		if !ValidKey(oi.Key) {
			continue
		}
		if err := fn(Info{Key: oi.Key, Size: oi.Size, Modified: oi.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// minioInfo turns minio-go's ObjectInfo into an Info.
func minioInfo(oi minio.ObjectInfo) Info {
	info := Info{
		Key:         oi.Key,
		Size:        oi.Size,
		ContentType: normContentType(oi.ContentType),
		Modified:    oi.LastModified,
	}
	for k, v := range oi.UserMetadata {
		if strings.EqualFold(k, minioMetaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+minioMetaSHA256) {
			info.SHA256 = v
		}
	}
	return info
}

// errorCode is the S3 error code carried by err, or "".
func errorCode(err error) string {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.Code
	}
	return ""
}

// fail wraps an error of minio-go: NoSuchKey becomes ErrNotFound; an
// unreachable, failing or refusing server becomes ErrUnavailable.
func (m *MinIO) fail(op, key string, err error) error {
	what := op
	if key != "" {
		what += " " + key
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, errSizeMismatch) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("blob: %s: %w", what, err)
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch {
		case er.Code == "NoSuchKey":
			return fmt.Errorf("blob: %s: %w", what, ErrNotFound)
		case er.StatusCode >= 500, minioUnavailableCodes[er.Code]:
			return &unavailableError{endpoint: m.endpoint, what: what, err: err}
		}
		return fmt.Errorf("blob: s3 %s: %w", what, err)
	}
	if isNetworkError(err) {
		return &unavailableError{endpoint: m.endpoint, what: what, err: err}
	}
	return fmt.Errorf("blob: s3 %s: %w", what, err)
}

// failObject is fail for the answer to a read of one object. A missing key is
// ErrNotFound only once the bucket is known to exist: SeaweedFS answers a read
// in a missing bucket with NoSuchKey (MinIO with NoSuchBucket), and a bucket
// removed under the portal must make it unavailable, not say that every
// attachment is gone.
func (m *MinIO) failObject(ctx context.Context, op, key string, err error) error {
	if errorCode(err) != "NoSuchKey" {
		return m.fail(op, key, err)
	}
	exists, berr := m.client.BucketExists(ctx, m.bucket)
	switch {
	case berr != nil:
		return m.fail(op, key, berr)
	case !exists:
		return m.bucketMissing()
	}
	return m.fail(op, key, err)
}

// unavailableError is an error of a MinIO server that cannot serve; it
// matches both ErrUnavailable and the underlying error.
type unavailableError struct {
	endpoint string
	what     string
	err      error
	hint     string // what a plain dial said, when the deadline hid it
}

// Error names the server, the operation and the cause on one line.
func (e *unavailableError) Error() string {
	cause := e.err.Error()
	var ue *url.Error
	switch {
	case errors.Is(e.err, context.DeadlineExceeded):
		cause = "no answer before the deadline"
		if e.hint != "" {
			cause += ": " + e.hint
		}
	case errors.As(e.err, &ue):
		cause = ue.Err.Error() // without the method and URL
	}
	return fmt.Sprintf("blob: MinIO at %s unavailable (%s): %s", e.endpoint, e.what, cause)
}

// Unwrap returns ErrUnavailable and the cause.
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// minioUnavailableCodes are S3 error codes that mean the store cannot serve
// anyone until an operator acts or the server recovers.
var minioUnavailableCodes = map[string]bool{
	"NoSuchBucket":               true,
	"AccessDenied":               true,
	"InvalidAccessKeyId":         true,
	"SignatureDoesNotMatch":      true,
	"ServiceUnavailable":         true,
	"SlowDown":                   true,
	"XMinioServerNotInitialized": true,
	"XMinioStorageFull":          true,
	"RequestTimeout":             true,
}

// isNetworkError reports whether err comes from the connection rather than
// from an answer of the server.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}
