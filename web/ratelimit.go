package web

import (
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
)

// RateLimiter counts API requests in fixed windows: each token has its own
// budget, and requests without a valid token share a smaller one per IP
// address, so a flood of bad tokens is refused before it costs a hash and a
// database read each. The counts live in memory: one panel process serves
// the API, and a restart forgiving every caller is harmless.
type RateLimiter struct {
	PerToken int           // requests per Window for one token
	PerIP    int           // requests per Window from one IP without a valid token
	Window   time.Duration // length of a window, from a key's first request
	Now      func() time.Time

	mu        sync.Mutex
	windows   map[string]*rateWindow
	lastSweep time.Time
}

type rateWindow struct {
	start time.Time
	n     int
}

// rateState is one key's budget after a request, as the RateLimit-* headers tell it.
type rateState struct {
	limit, remaining int
	reset            time.Duration
	exceeded         bool
}

// NewRateLimiter has the panel's defaults: 120 requests a minute per token,
// 60 a minute per IP address for requests without a valid token.
func NewRateLimiter() *RateLimiter {
	return &RateLimiter{PerToken: 120, PerIP: 60, Window: time.Minute}
}

// WithPerToken sets the per-token budget (requests per window).
func (l *RateLimiter) WithPerToken(n int) *RateLimiter {
	if n > 0 {
		l.PerToken = n
	}
	return l
}

func (l *RateLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// window returns key's current window, starting a new one when the last has ended.
// The caller holds l.mu.
func (l *RateLimiter) window(key string, now time.Time) *rateWindow {
	if l.windows == nil {
		l.windows = map[string]*rateWindow{}
	}
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	// Forget ended windows now and then, so a spray of addresses cannot grow the map for ever.
	if len(l.windows) > 10_000 && now.Sub(l.lastSweep) >= l.Window {
		l.lastSweep = now
		for k, v := range l.windows {
			if now.Sub(v.start) >= l.Window {
				delete(l.windows, k)
			}
		}
	}
	return w
}

func (l *RateLimiter) state(w *rateWindow, limit int, now time.Time) rateState {
	return rateState{limit: limit, remaining: max(0, limit-w.n), reset: w.start.Add(l.Window).Sub(now), exceeded: w.n > limit}
}

// take counts one request against key.
func (l *RateLimiter) take(key string, limit int) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.window(key, now)
	w.n++
	return l.state(w, limit, now)
}

func ipRateKey(ip string) string      { return "ip:" + ip }
func tokenRateKey(id int64) string    { return "token:" + strconv.FormatInt(id, 10) }
func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// answer writes the RateLimit-* headers, and the 429 error when the budget is spent.
func (st rateState) answer(c echo.Context) error {
	h := c.Response().Header()
	h.Set("RateLimit-Limit", strconv.Itoa(st.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(st.remaining))
	reset := ceilSeconds(st.reset)
	h.Set("RateLimit-Reset", strconv.Itoa(reset))
	if st.exceeded {
		return services.RateLimited(time.Duration(reset) * time.Second)
	}
	return nil
}

// perToken spends one request of the authenticated token's budget; it runs after apiAuth.
func (l *RateLimiter) perToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, ok := handlers.PrincipalOf(c)
		if !ok {
			return services.Unauthorized("error.token_missing")
		}
		if err := l.take(tokenRateKey(p.TokenID), l.PerToken).answer(c); err != nil {
			return err
		}
		return next(c)
	}
}
