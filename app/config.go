package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"pilu/models"
	"pilu/search"
)

// Config is Pilu's whole configuration, read once at start-up from the environment and the flags
// of `serve` (a flag wins over its variable). See CONTRACT.md "Configuration".
type Config struct {
	Addr        string
	DataDir     string
	DB          string
	S3Endpoint  string
	S3AccessKey string
	S3SecretKey string
	S3Bucket    string
	S3Secure    bool
	IndexDir    string
	Secret      string
	// SecretPrevious are former values of Secret, kept only to open personal data sealed before
	// `pilu keys rotate` re-sealed it under Secret.
	SecretPrevious []string
	BaseURL        string
	Demo           bool
	MaxFileMB      int
	MaxFiles       int
	SearchCache    int
	// SearchEngine is how searches run: search.EnginePilu (the default) or search.EngineBleve,
	// Bleve's own query path, for when an upgrade of Bleve breaks what the default relies on.
	SearchEngine string
	// TrustedProxies are the addresses (IPs or CIDR ranges) of reverse proxies whose X-Real-IP
	// header names the client; empty: the client is the connection's peer.
	TrustedProxies []string
	LogFormat      string // "text" or "json": the format of the log lines on stderr
	MetricsAddr    string // where /metrics listens; "" = no metrics listener
	// RedisURL is where the processes of a portal count their rate limits together; "" = each
	// process counts its own (enough for the single-process default).
	RedisURL string
	// ClaimRetention is how long claimants' personal data is kept after the outcome, per notice kind.
	ClaimRetention models.Retention
	// SchedulerLease is how long the scheduler's lease lasts; its holder renews it every third of
	// that, so another process takes the scheduler over within 4/3 of it when the holder dies.
	SchedulerLease time.Duration
	// SMTPURL is the mail server that follows by e-mail are sent through
	// (smtp://[user:pass@]host:port, STARTTLS when offered); "" = following by e-mail is off.
	SMTPURL  string
	MailFrom string // the From address of those mails
	// WebhookAllow are the CIDR ranges and host names that webhooks may target although they are not
	// public (loopback, private, link-local…): PILU_WEBHOOK_ALLOW, for receivers on the portal's own
	// network. Empty: only public addresses.
	WebhookAllow []string
}

// configVar ties a Config field to its environment variable and flag.
type configVar struct {
	env, flag, usage string
	def              func(c *Config) string
	set              func(c *Config, v string) error
}

var configVars = []configVar{
	{"PILU_ADDR", "addr", "listen address", func(*Config) string { return "127.0.0.1:8080" }, func(c *Config, v string) error {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return errors.New("must be host:port, e.g. 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"PILU_DATA_DIR", "data-dir", "embedded database, blobs, index, generated secret", func(*Config) string { return "./data" }, func(c *Config, v string) error {
		c.DataDir = v
		return nil
	}},
	{"PILU_DB", "db", "sqlite://PATH or mysql://user:pass@host:3306/dbname", func(c *Config) string { return "sqlite://" + filepath.Join(c.DataDir, "pilu.db") }, func(c *Config, v string) error {
		switch {
		case strings.HasPrefix(v, "sqlite://") && len(v) > len("sqlite://"):
		case strings.HasPrefix(v, "mysql://"):
			u, err := url.Parse(v)
			if err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
				return errors.New("must be mysql://user:pass@host:3306/dbname")
			}
		default:
			return errors.New("must start with sqlite:// or mysql://")
		}
		c.DB = v
		return nil
	}},
	{"PILU_S3_ENDPOINT", "s3-endpoint", "S3 server host:port, e.g. SeaweedFS or MinIO (unset: files in $PILU_DATA_DIR/blobs)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be host:port, without a scheme")
			}
		}
		c.S3Endpoint = v
		return nil
	}},
	{"PILU_S3_ACCESS_KEY", "s3-access-key", "S3 access key", func(*Config) string { return "" }, func(c *Config, v string) error { c.S3AccessKey = v; return nil }},
	{"PILU_S3_SECRET_KEY", "s3-secret-key", "S3 secret key", func(*Config) string { return "" }, func(c *Config, v string) error { c.S3SecretKey = v; return nil }},
	{"PILU_S3_BUCKET", "s3-bucket", "S3 bucket", func(*Config) string { return "pilu" }, func(c *Config, v string) error {
		if len(v) < 3 || len(v) > 63 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
			return errors.New("must be a bucket name of 3–63 lower-case letters, digits, dots and hyphens")
		}
		c.S3Bucket = v
		return nil
	}},
	{"PILU_S3_SECURE", "s3-secure", "use HTTPS for S3", func(*Config) string { return "false" }, func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.S3Secure = b
		return nil
	}},
	{"PILU_INDEX_DIR", "index-dir", "Bleve index folder", func(c *Config) string { return filepath.Join(c.DataDir, "index") }, func(c *Config, v string) error { c.IndexDir = v; return nil }},
	{"PILU_SECRET", "secret", "session signing and encryption key (generated into $PILU_DATA_DIR/secret.key when unset)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return errors.New("must be at least 32 characters")
		}
		c.Secret = v
		return nil
	}},
	{"PILU_SECRET_PREVIOUS", "secret-previous", "former PILU_SECRET values, comma-separated, read only: personal data sealed under them stays readable until `pilu keys rotate` re-seals it", func(*Config) string { return "" }, func(c *Config, v string) error {
		c.SecretPrevious = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if len(p) < 32 {
				return errors.New("each former secret must be at least 32 characters")
			}
			c.SecretPrevious = append(c.SecretPrevious, p)
		}
		return nil
	}},
	{"PILU_BASE_URL", "base-url", "absolute base of links in feeds and exports", func(c *Config) string { return "http://" + c.Addr }, func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("must be an absolute http(s) URL")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"PILU_DEMO", "demo", "load the demo data set into an empty database (1/0)", func(c *Config) string {
		if strings.HasPrefix(c.DB, "mysql://") {
			return "0"
		}
		return "1"
	}, func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be 1 or 0")
		}
		c.Demo = b
		return nil
	}},
	{"PILU_MAX_FILE_MB", "max-file-mb", "largest attachment in MiB", func(*Config) string { return "50" }, wholeNumber(1, 4096, "of MiB ", func(c *Config, n int) { c.MaxFileMB = n })},
	{"PILU_MAX_FILES", "max-files", "most attachments in one disclosure", func(*Config) string { return "10" }, wholeNumber(1, 100, "", func(c *Config, n int) { c.MaxFiles = n })},
	{"PILU_SEARCH_CACHE", "search-cache", "search results kept in memory (0: none, for measurements)", func(*Config) string { return "512" }, wholeNumber(0, 1000000, "", func(c *Config, n int) { c.SearchCache = n })},
	{"PILU_SEARCH_ENGINE", "search-engine", "how searches run: pilu (default, fast) or bleve (Bleve's own query path, the fallback)", func(*Config) string { return search.EnginePilu }, func(c *Config, v string) error {
		if !slices.Contains(search.Engines, v) {
			return fmt.Errorf("must be one of %s", strings.Join(search.Engines, ", "))
		}
		c.SearchEngine = v
		return nil
	}},
	{"PILU_LOG_FORMAT", "log-format", "log lines as text or json (one line a request, with its request id)", func(*Config) string { return "text" }, func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return errors.New("must be text or json")
		}
		c.LogFormat = v
		return nil
	}},
	{"PILU_METRICS_ADDR", "metrics-addr", "a separate listen address for Prometheus /metrics (unset: off)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v == "" {
			c.MetricsAddr = ""
			return nil
		}
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return errors.New("must be host:port")
		}
		c.MetricsAddr = v
		return nil
	}},
	{"PILU_REDIS_URL", "redis-url", "Redis where several processes count rate limits together, redis://[user:password@]host:port/db (unset: each process counts its own)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
				return errors.New("must be redis://[user:password@]host:port/db (or rediss:// for TLS)")
			}
			if _, err := redis.ParseURL(v); err != nil {
				return fmt.Errorf("must be redis://[user:password@]host:port/db: %w", err)
			}
		}
		c.RedisURL = v
		return nil
	}},
	{"PILU_CLAIM_RETENTION", "claim-retention", "how long claimants' personal data is kept once the outcome is recorded, per notice kind: kind=period pairs such as zombie_list=1095d,default=3y", func(*Config) string { return "" }, func(c *Config, v string) error {
		r, err := models.ParseRetention(v)
		if err != nil {
			return err
		}
		c.ClaimRetention = r
		return nil
	}},
	{"PILU_SCHEDULER_LEASE", "scheduler-lease", "how long the scheduler's database lease lasts (renewed every third of it; another process takes over within 4/3 of it when the holder dies)", func(*Config) string { return "45s" }, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 3*time.Second || d > 10*time.Minute {
			return errors.New("must be a duration from 3s to 10m, e.g. 45s")
		}
		c.SchedulerLease = d
		return nil
	}},
	{"PILU_SMTP_URL", "smtp-url", "mail server for follows by e-mail, smtp://[user:pass@]host:port (STARTTLS when offered; unset: no mail)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "smtp" || u.Hostname() == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") {
				return errors.New("must be smtp://[user:pass@]host:port")
			}
			if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
				return errors.New("must be smtp://[user:pass@]host:port with a port from 1 to 65535")
			}
		}
		c.SMTPURL = v
		return nil
	}},
	{"PILU_MAIL_FROM", "mail-from", "From address of the mails (default noreply@ the host of PILU_BASE_URL)", func(*Config) string { return "" }, func(c *Config, v string) error {
		if v != "" {
			if _, err := mail.ParseAddress(v); err != nil {
				return errors.New("must be an e-mail address, e.g. 披露 <noreply@example.cn>")
			}
		}
		c.MailFrom = v
		return nil
	}},
	{"PILU_WEBHOOK_ALLOW", "webhook-allow", "webhook targets allowed although not public: CIDR ranges, IP addresses or host names, comma-separated (unset: public addresses only)", func(*Config) string { return "" }, func(c *Config, v string) error {
		allow, err := parseWebhookAllow(v)
		c.WebhookAllow = allow
		return err
	}},
	{"PILU_TRUSTED_PROXIES", "trusted-proxies", "reverse proxies (IPs or CIDR ranges, comma-separated) whose X-Real-IP header names the client", func(*Config) string { return "" }, func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return fmt.Errorf("%q is neither an IP address nor a CIDR range", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
}

// wholeNumber is the setter of a whole-number variable from lo to hi (unit names what it counts).
func wholeNumber(lo, hi int, unit string, set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number %sfrom %d to %d", unit, lo, hi)
		}
		set(c, n)
		return nil
	}
}

// LoadConfig reads the environment (getenv) and the flags in args; the first bad value is an error
// naming the variable.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	flags := make([]*string, len(configVars))
	for i, v := range configVars {
		flags[i] = fs.String(v.flag, "", v.usage+" ("+v.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, UsageError{err}
	}
	if fs.NArg() > 0 {
		return Config{}, UsageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	var c Config
	for i, v := range configVars {
		val := *flags[i]
		if val == "" {
			val = getenv(v.env)
		}
		if val == "" {
			val = v.def(&c)
		}
		if err := v.set(&c, val); err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", v.env, redactURL(val), err)
		}
	}
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		return Config{}, errors.New("PILU_S3_ACCESS_KEY and PILU_S3_SECRET_KEY are required with PILU_S3_ENDPOINT")
	}
	if strings.HasPrefix(c.DB, "mysql://") && c.Secret == "" {
		return Config{}, errors.New("PILU_SECRET is required when PILU_DB is MySQL (every process must share it)")
	}
	return c, nil
}

// redactURL is v with the password of a URL replaced by xxxxx, for error messages and logs.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		return u.Redacted()
	}
	return v
}

// UsageError marks a bad command line (exit status 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap gives the error the command line was refused with (flag.ErrHelp for -h: usage, exit 0).
func (e UsageError) Unwrap() error { return e.Err }

// PrepareDataDir makes sure the data folder exists and is writable, and loads or generates the secret.
func (c *Config) PrepareDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("PILU_DATA_DIR=%q: cannot create it: %w", c.DataDir, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(c.DataDir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("PILU_DATA_DIR=%q: not writable: %w", c.DataDir, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	if c.Secret != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.Secret = strings.TrimSpace(string(b))
		return nil
	}
	buf := make([]byte, 32)
	rand.Read(buf)
	c.Secret = hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(c.Secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("PILU_DATA_DIR=%q: cannot write secret.key: %w", c.DataDir, err)
	}
	return nil
}
