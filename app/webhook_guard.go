package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"code.dny.dev/ssrf"

	"pilu/models"
)

// Webhooks must not become a way to make the portal reach into its own network (server-side request
// forgery): a webhook's host must resolve to public addresses only, checked when it is registered and
// again on every delivery at the moment of connecting (the dialer's Control function sees the very
// address dialled, so a name that resolves to a public address when checked and to 127.0.0.1 when
// delivering is refused: DNS rebinding). Which addresses are not public is code.dny.dev/ssrf's list
// (the IANA special-purpose registries: loopback, private, shared, link-local, unique-local,
// unspecified, multicast, documentation, benchmarking and reserved ranges; IPv6 outside global
// unicast). PILU_WEBHOOK_ALLOW lets an operator allow some of them (CIDR ranges, addresses) or some
// host names (whatever they resolve to), for receivers on the portal's own network.

// webhookTimeout is how long one delivery may take, from connecting to the end of the answer's
// headers; webhookAnswerLimit is how much of an answer's body is read (and thrown away).
const (
	webhookTimeout     = 10 * time.Second
	webhookAnswerLimit = 64 << 10
)

// webhookGuard decides which addresses webhooks may reach, and makes the clients that reach them.
type webhookGuard struct {
	timeout  time.Duration // webhookTimeout; tests shorten it
	guardian *ssrf.Guardian
	hosts    []string // host names allowed whatever their addresses (lower case)
	resolver *net.Resolver
}

// parseWebhookAllow reads PILU_WEBHOOK_ALLOW: comma-separated CIDR ranges, IP addresses and host
// names.
func parseWebhookAllow(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err == nil {
			out = append(out, p)
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			out = append(out, p)
			continue
		}
		if !validHostName(p) {
			return nil, fmt.Errorf("%q is neither a CIDR range, an IP address nor a host name", p)
		}
		out = append(out, strings.ToLower(p))
	}
	return out, nil
}

// validHostName reports whether h is a DNS host name: labels of letters, digits and hyphens.
func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") ||
			strings.Trim(strings.ToLower(label), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}

// newWebhookGuard makes the guard of the allowed entries (as parseWebhookAllow returns them).
func newWebhookGuard(allow []string) *webhookGuard {
	var v4, v6 []netip.Prefix
	g := &webhookGuard{resolver: net.DefaultResolver, timeout: webhookTimeout}
	for _, a := range allow {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			addr, aerr := netip.ParseAddr(a)
			if aerr != nil {
				g.hosts = append(g.hosts, a)
				continue
			}
			p = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if p.Addr().Unmap().Is4() {
			v4 = append(v4, netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), 32)))
		} else {
			v6 = append(v6, p)
		}
	}
	g.guardian = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
	return g
}

// allowsHost reports whether host is allowed by name.
func (g *webhookGuard) allowsHost(host string) bool {
	return slices.Contains(g.hosts, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// check refuses a webhook URL whose host has no address (CodeWebhookUnresolved) or an address that is
// not public and not allowed (CodeWebhookTarget), as FieldErrors on "url" (nil when it may be reached).
func (g *webhookGuard) check(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	if g.allowsHost(host) {
		return nil
	}
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return models.Invalid("url", models.CodeWebhookUnresolved, models.Args{"host": host})
		}
	}
	for _, a := range addrs {
		if err := g.guardian.SafeAddr(a.Unmap()); err != nil {
			return models.Invalid("url", models.CodeWebhookTarget, models.Args{"address": a.Unmap().String()})
		}
	}
	return nil
}

// client is the HTTP client of one delivery to u: it connects only to addresses the guard allows
// (checked on the address dialled), through no proxy, follows no redirect and gives up after
// webhookTimeout.
func (g *webhookGuard) client(u *url.URL) *http.Client {
	dialer := &net.Dialer{Timeout: g.timeout}
	if !g.allowsHost(u.Hostname()) {
		dialer.Control = g.guardian.Safe
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would be dialled instead of the checked address
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    g.timeout,
			ResponseHeaderTimeout:  g.timeout,
			MaxResponseHeaderBytes: 32 << 10,
			DisableKeepAlives:      true,
		},
		Timeout:       g.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// deliveryError says in a line why a delivery failed, for the delivery log (no secret in it).
func (g *webhookGuard) deliveryError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ssrf.ErrProhibitedIP):
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Addr != nil {
			return "refused: " + oe.Addr.String() + " is not a public address (PILU_WEBHOOK_ALLOW)"
		}
		return "refused: the address is not public (PILU_WEBHOOK_ALLOW)"
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %s", g.timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
