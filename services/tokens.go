package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"abrak/store"
)

// TokenPrefix starts every API token, so leaked tokens are easy to recognise
// (and to search for in code and logs).
const TokenPrefix = "ic_pat_"

const (
	tokenAlphabet   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	tokenBodyLen    = 43 // 43 base62 characters carry 256 bits
	tokenShownChars = 6  // characters after the prefix kept for display
	tokenNameMax    = 64
	tokensPerUser   = 100
	// MinTokenLifetime and MaxTokenLifetime bound a token's expiry; 0 means it never expires.
	MinTokenLifetime = time.Hour
	MaxTokenLifetime = 5 * 366 * 24 * time.Hour
	// touchEvery is how often a token's last use is written: at most once a
	// minute per token, so a busy script does not turn reads into writes.
	touchEvery = time.Minute
)

// Tokens mints, lists, revokes and checks API tokens.
type Tokens struct {
	db    *store.DB
	audit *Audit
	now   func() time.Time
	// consoles closes the consoles a revoked token opened; nil: none to close.
	consoles ConsoleCloser

	mu      sync.Mutex
	touched map[int64]time.Time // token id → last time last_used_at was written
	// checked are tokens read from the database, by the hash of their secret,
	// with their owner's change counter as it was in the same read. Any write
	// to a token or its owner moves the counter (migration 0026), so while the
	// counter stays, the token is as it was read, and checking it costs the
	// read of the counter (which the request needs anyway for its answer's tag).
	checked map[string]store.TokenOwner
}

// checkedTokens bounds the tokens kept checked.
const checkedTokens = 10_000

// NewTokens builds the service; consoles closes the consoles of the tokens it
// revokes (nil: none to close).
func NewTokens(db *store.DB, audit *Audit, consoles ConsoleCloser) *Tokens {
	return &Tokens{db: db, audit: audit, consoles: consoles, now: time.Now, touched: map[int64]time.Time{}, checked: map[string]store.TokenOwner{}}
}

// owner reads the token of a hash and its owner: from the checked tokens
// while the owner's counter has not moved, else from the database.
func (t *Tokens) owner(ctx context.Context, hash string) (store.TokenOwner, error) {
	t.mu.Lock()
	o, ok := t.checked[hash]
	t.mu.Unlock()
	if ok {
		c, err := t.db.ChangesOf(ctx, o.Token.UserID)
		if err != nil {
			return o, err
		}
		if c.Customer == o.Changes.Customer {
			o.Changes = c
			return o, nil
		}
	}
	o, err := t.db.APITokenByHash(ctx, hash)
	if err != nil {
		return o, err
	}
	t.mu.Lock()
	if len(t.checked) >= checkedTokens {
		for h := range t.checked {
			delete(t.checked, h)
			break
		}
	}
	t.checked[hash] = o
	t.mu.Unlock()
	return o, nil
}

// newSecret draws a token: the prefix and 43 base62 characters, each chosen
// uniformly by rejection sampling (256 bits of entropy).
func newSecret() (string, error) {
	const limit = 256 - 256%len(tokenAlphabet)
	var b strings.Builder
	b.Grow(len(TokenPrefix) + tokenBodyLen)
	b.WriteString(TokenPrefix)
	buf := make([]byte, 64)
	for n := 0; n < tokenBodyLen; {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, c := range buf {
			if int(c) < limit && n < tokenBodyLen {
				b.WriteByte(tokenAlphabet[int(c)%len(tokenAlphabet)])
				n++
			}
		}
	}
	return b.String(), nil
}

// hashSecret is the stored form. A fast hash is right here: the secret has 256
// random bits, so there is nothing to brute-force that a slow hash would slow.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// wellFormed rejects, without touching the database, anything that cannot be a token.
func wellFormed(secret string) bool {
	body, ok := strings.CutPrefix(secret, TokenPrefix)
	if !ok || len(body) != tokenBodyLen {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(tokenAlphabet, body[i]) < 0 {
			return false
		}
	}
	return true
}

// ValidScope reports whether s is a scope a token can hold (ScopeAdmin only staff's).
func ValidScope(s string) bool { return slices.Contains(ScopesFor(true), s) }

// Create mints a token for the principal's own account and returns its secret,
// which is never stored and cannot be shown again. expires 0 means never.
func (t *Tokens) Create(ctx context.Context, p Principal, name string, scopes []string, expires time.Duration) (string, Token, error) {
	if p.TokenID != 0 {
		// A leaked token must not be able to mint itself successors.
		return "", Token{}, Forbidden("tokens.error_token_cannot_mint")
	}
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if k := nameProblem(name, tokenNameMax, "tokens.error_name_too_long"); k != "" {
		fields["name"] = k
	}
	var clean []string
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if !ValidScope(s) {
			fields["scopes"] = "tokens.error_unknown_scope"
			break
		}
		if !slices.Contains(clean, s) {
			clean = append(clean, s)
		}
	}
	if len(clean) == 0 && fields["scopes"] == "" {
		fields["scopes"] = "tokens.error_no_scope"
	}
	if expires != 0 && (expires < MinTokenLifetime || expires > MaxTokenLifetime) {
		fields["expires"] = "tokens.error_expiry_range"
	}
	if len(fields) > 0 {
		return "", Token{}, Invalid(fields)
	}
	// The admin door is a staff person's own: a token made in a team's
	// account acts for the team, which holds no staff role.
	if slices.Contains(clean, ScopeAdmin) && (!p.IsAdmin && !p.IsStaff() || p.PersonID != 0) {
		return "", Token{}, Forbidden("tokens.error_admin_scope")
	}
	// A member's token can do no more than its maker.
	for _, s := range clean {
		if !RoleAllows(p.Role, s) {
			return "", Token{}, RoleForbidden(p.Role)
		}
	}
	now := t.now()
	n, err := t.db.CountActiveAPITokens(ctx, p.UserID, now)
	if err != nil {
		return "", Token{}, Internal(err)
	}
	if n >= tokensPerUser {
		return "", Token{}, InvalidWith("tokens.error_too_many", nil, "max", strconv.Itoa(tokensPerUser))
	}
	// Keep the order of the form so lists read the same everywhere.
	order := ScopesFor(true)
	slices.SortFunc(clean, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	secret, err := newSecret()
	if err != nil {
		return "", Token{}, Internal(err)
	}
	row := store.APIToken{UserID: p.UserID, Name: name, Prefix: secret[len(TokenPrefix) : len(TokenPrefix)+tokenShownChars],
		Hash: hashSecret(secret), Scopes: clean, CreatedBy: p.Person()}
	if expires > 0 {
		row.ExpiresAt = now.Add(expires).UTC().Truncate(time.Second)
	}
	tok, err := t.db.CreateAPIToken(ctx, row)
	if err != nil {
		return "", Token{}, Internal(err)
	}
	t.audit.Record(ctx, p, "token.created", SeveritySecurity, "token", strconv.FormatInt(tok.ID, 10), name+" ["+strings.Join(clean, " ")+"]")
	return secret, t.tokenOf(tok), nil
}

// List returns the principal's live tokens (expired ones included), newest first.
func (t *Tokens) List(ctx context.Context, p Principal) ([]Token, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	toks, err := t.db.APITokens(ctx, p.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	return convert(toks, t.tokenOf), nil
}

func (t *Tokens) tokenOf(k store.APIToken) Token {
	return Token{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt,
		LastUsedIP: k.LastUsedIP, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt, Expired: t.expired(k)}
}

// Revoke ends a token at once; another customer's token is 404.
func (t *Tokens) Revoke(ctx context.Context, p Principal, id int64) error {
	if p.TokenID != 0 && p.TokenID != id {
		return Forbidden("tokens.error_token_cannot_manage")
	}
	// A team's owners and admins revoke any of its tokens; the others their own.
	var maker int64
	if !p.CanManageTeam() {
		maker = p.Person()
	}
	tok, err := t.db.RevokeAPIToken(ctx, p.UserID, maker, id)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	}
	if err != nil {
		return Internal(err)
	}
	t.mu.Lock()
	delete(t.touched, id)
	t.mu.Unlock()
	if t.consoles != nil {
		t.consoles.End(ConsolesOf{UserID: p.UserID, TokenID: id}, CloseRevoked)
	}
	t.audit.Record(ctx, p, "token.revoked", SeveritySecurity, "token", strconv.FormatInt(id, 10), tok.Name)
	return nil
}

// expired reports whether a token has passed its expiry.
func (t *Tokens) expired(tok store.APIToken) bool {
	return !tok.ExpiresAt.IsZero() && !t.now().Before(tok.ExpiresAt)
}

// Authenticate turns a bearer secret into the principal it acts for. Unknown,
// revoked and expired tokens get the same answer. The lookup is by the hash of
// the secret, so how long it takes says nothing about any stored secret.
func (t *Tokens) Authenticate(ctx context.Context, secret, ip string) (Principal, error) {
	invalid := Unauthorized("error.token_invalid")
	if !wellFormed(secret) {
		return Principal{}, invalid
	}
	o, err := t.owner(ctx, hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, invalid
	}
	if err != nil {
		return Principal{}, Internal(err)
	}
	tok := o.Token
	// A token whose maker has left the team acts for no one.
	if !tok.RevokedAt.IsZero() || t.expired(tok) || o.Role == "" {
		return Principal{}, invalid
	}
	if o.Suspended {
		return Principal{}, AccountSuspended()
	}
	t.touch(ctx, tok, ip)
	p := Principal{UserID: tok.UserID, Email: o.Email, IsAdmin: o.IsAdmin, TokenID: tok.ID, TokenName: tok.Name,
		Scopes: tok.Scopes, IP: ip, Role: o.Role, seen: versionOf(o.Changes), seenOK: true}
	// The staff role is read with the token on every request (a change of
	// role moves the owner's counter, so the checked copy is read again):
	// a person who loses the role loses the admin door at once, and
	// support's token meets support's limits (RequireStaff).
	p.StaffRole = o.StaffRole
	if o.IsAdmin {
		p.StaffRole = store.StaffAdmin
	}
	if tok.CreatedBy != tok.UserID {
		p.PersonID = tok.CreatedBy
	}
	return p, nil
}

// touch writes last use when the stored value is older than touchEvery, and
// remembers the write so the next minute's requests skip it. A failed write
// is forgotten: it is bookkeeping, not a reason to refuse the request.
func (t *Tokens) touch(ctx context.Context, tok store.APIToken, ip string) {
	now := t.now()
	t.mu.Lock()
	last, ok := t.touched[tok.ID]
	if !ok {
		last = tok.LastUsedAt
	}
	due := now.Sub(last) >= touchEvery
	if due {
		t.touched[tok.ID] = now
	}
	t.mu.Unlock()
	if !due {
		return
	}
	if err := t.db.TouchAPIToken(ctx, tok.ID, now, ip); err != nil {
		t.audit.log.Warn("token last-use write failed", "token", tok.ID, "err", err)
	}
}
