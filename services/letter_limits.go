package services

import "time"

// letterLimits bounds a form that makes the panel send a letter (sign-up,
// "send the link again", password reset) per client address and per account
// (or the address being signed up), apart from the sign-in limits: asking
// for letters must not lock anyone out of signing in.
type letterLimits struct {
	perIP, perAccount *AttemptLimiter
}

func newLetterLimits(perIP, perAccount int) letterLimits {
	return letterLimits{perIP: NewAttemptLimiter(perIP, time.Hour, nil), perAccount: NewAttemptLimiter(perAccount, time.Hour, nil)}
}

// spend counts one request from ip for the account email in both limits.
// When either is spent, nothing is counted and the answer is 429 with the
// longer wait, so a refused request does not lengthen the refusal.
func (l letterLimits) spend(ip, email string) error {
	var taken []func(failed bool)
	wait := time.Duration(0)
	for _, t := range []struct {
		l   *AttemptLimiter
		key string
	}{{l.perIP, ipKey(ip)}, {l.perAccount, accountKey(email)}} {
		settle, w := t.l.Take(t.key)
		if settle == nil {
			wait = max(wait, w)
			continue
		}
		taken = append(taken, settle)
	}
	for _, settle := range taken {
		settle(wait == 0) // kept when the request goes ahead, given back when it is refused
	}
	if wait > 0 {
		e := RateLimited(wait)
		e.Key = "auth.too_many_attempts"
		return e
	}
	return nil
}
