// Package app is the Pilu portal: configuration, the HTTP routes and handlers, the pages, and the
// indexer that keeps search in step with the database. It is the only package that imports Fiber.
// The demo data set and the benchmark corpus live in app/demo, the commands of the pilu binary in
// app/cli; app imports demo, never cli.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/app/blob"
	"pilu/models"
	"pilu/search"
)

// Server holds every dependency of the handlers; nothing lives in package variables.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   *models.Store
	blobs   blob.Store
	indexer *Indexer
	known   *knownItems // the lookup of known-item search
	metrics *metrics
	redis   *redisLink // nil: rate limits are counted in this process
	views   *views
	now     func() time.Time
	web     *fiber.App
	bg      sync.WaitGroup
	cancel  context.CancelFunc
	// readTimeout bounds the arrival of one request (Options.ReadTimeout).
	readTimeout time.Duration
	// webhookGuard decides which addresses webhooks may reach (PILU_WEBHOOK_ALLOW).
	webhookGuard *webhookGuard
	// changeTiming paces the change stream's Server-Sent Events (defaults when zero; tests shorten it).
	changeTiming changeStreamTiming
	pdfs         pdfMemo // the printed records' PDFs made last
}

// Options adjusts a Server for tests and commands.
type Options struct {
	Log *slog.Logger
	Now func() time.Time // the clock; tests move it
	Out io.Writer        // where the demo logins are printed
	// ReadTimeout is how long a request may take to arrive, body included (60 s when zero); past it
	// the answer is 408. Tests shorten it.
	ReadTimeout time.Duration
	// RedisPrefix is put before every Redis key ("pilu:" when empty); tests take one of their own.
	RedisPrefix string
}

// Open prepares the data folder, connects the database and the blob store, migrates, loads the demo
// data set into an empty database, and opens the search index. Every failure is one clear error.
func Open(ctx context.Context, cfg Config, opt Options) (*Server, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := cfg.PrepareDataDir(); err != nil {
		return nil, err
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 60 * time.Second
	}
	s := &Server{cfg: cfg, log: opt.Log, now: opt.Now, readTimeout: opt.ReadTimeout, webhookGuard: newWebhookGuard(cfg.WebhookAllow)}
	s.metrics = newMetrics(s)
	store, err := models.Open(cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("PILU_DB: %w", err)
	}
	s.store = store
	s.known = newKnownItems(store)
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	if cfg.S3Endpoint != "" {
		mc, err := blob.NewMinIO(ctx, blob.MinIOConfig{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey, Bucket: cfg.S3Bucket, Secure: cfg.S3Secure})
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("PILU_S3_ENDPOINT=%s: %w", cfg.S3Endpoint, err)
		}
		s.blobs = mc
	} else {
		lb, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("PILU_DATA_DIR: %w", err)
		}
		s.blobs = lb
	}
	if cfg.RedisURL != "" {
		if s.redis, err = openRedis(ctx, cfg.RedisURL, opt.RedisPrefix, s.log); err != nil {
			store.Close()
			return nil, fmt.Errorf("PILU_REDIS_URL=%s: %w", redactURL(cfg.RedisURL), err)
		}
	}
	if s.views, err = newViews(); err != nil {
		store.Close()
		return nil, err
	}
	if cfg.Demo {
		if err := s.loadDemo(ctx, opt.Out); err != nil {
			store.Close()
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	if s.indexer, err = openIndexer(cfg.IndexDir, s.store, s.log, cfg.SearchCache, cfg.SearchEngine); err != nil {
		store.Close()
		if s.redis != nil {
			s.redis.Close()
		}
		return nil, fmt.Errorf("PILU_INDEX_DIR=%s: %w", cfg.IndexDir, err)
	}
	s.web = s.routes()
	return s, nil
}

// Handler is the Fiber app, for app.Test in tests.
func (s *Server) Handler() *fiber.App { return s.web }

// Start runs the background work: the indexer (rebuilding an empty index first) and the deadline
// scheduler. Close stops it.
func (s *Server) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.bg.Add(2)
	go func() { defer s.bg.Done(); s.indexer.Run(ctx) }()
	go func() { defer s.bg.Done(); s.runScheduler(ctx) }()
}

// Serve listens on the configured address until ctx ends, then shuts down gracefully: in-flight
// requests finish, background work stops, the index and the database close.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	if s.cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("PILU_METRICS_ADDR=%s: %w", s.cfg.MetricsAddr, err)
		}
		go func() {
			if err := s.serveMetrics(ctx, ln); err != nil {
				errc <- fmt.Errorf("PILU_METRICS_ADDR=%s: %w", s.cfg.MetricsAddr, err)
			}
		}()
	}
	go func() {
		if err := s.web.Listen(s.cfg.Addr); err != nil {
			errc <- fmt.Errorf("PILU_ADDR=%s: %w", s.cfg.Addr, err)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	if err := s.web.ShutdownWithTimeout(20 * time.Second); err != nil {
		s.log.Warn("shutdown", "err", err)
	}
	return nil
}

// Close stops background work and closes the index and the database.
func (s *Server) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.bg.Wait()
	var errs []error
	if s.indexer != nil {
		errs = append(errs, s.indexer.Close())
	}
	if s.redis != nil {
		errs = append(errs, s.redis.Close())
	}
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}

// Store exposes the database for commands and tests.
func (s *Server) Store() *models.Store { return s.store }

// Blobs exposes the blob store for commands and tests.
func (s *Server) Blobs() blob.Store { return s.blobs }

var _ = search.Doc{}
