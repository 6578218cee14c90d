package services

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is the one error type that crosses from services to the doors. It carries
// the HTTP status, a stable machine code, and a message key translated only when
// rendered; Err is the cause, logged and never shown.
type Error struct {
	Status     int
	Code       string
	Key        string
	Args       []string          // placeholder pairs for Key: "seconds", "30"
	Fields     map[string]string // field name → message key, for validation errors
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%s): %v", e.Code, e.Key, e.Err)
	}
	return fmt.Sprintf("%s (%s)", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// AsError finds the *Error in err's chain, or wraps err as an internal error;
// nil stays nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Internal is an unexpected failure; the customer sees a generic message with the request id.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Key: "error.internal", Err: err}
}

// NotFound is also what a caller gets for another customer's resource: existence is not revealed.
func NotFound() *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Key: "error.not_found"}
}

// Invalid is a validation failure naming each bad field.
func Invalid(fields map[string]string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Key: "error.validation", Fields: fields}
}

// InvalidWith is a validation failure with its own message.
func InvalidWith(key string, fields map[string]string, args ...string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Key: key, Fields: fields, Args: args}
}

func Unauthorized(key string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Key: key}
}

func Forbidden(key string, args ...string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "forbidden", Key: key, Args: args}
}

func Conflict(key string, args ...string) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Key: key, Args: args}
}

func Unavailable(key string, err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Key: key, Err: err}
}

// UnavailableWith is Unavailable with placeholder pairs for its message.
func UnavailableWith(key string, err error, args ...string) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Key: key, Err: err, Args: args}
}

// RateLimited tells the caller how long to wait.
func RateLimited(retry time.Duration) *Error {
	secs := int(retry.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Key: "error.rate_limited",
		Args: []string{"seconds", fmt.Sprint(secs)}, RetryAfter: time.Duration(secs) * time.Second}
}

// AccountSuspended refuses what a suspended account asks beyond reading (and
// every call of its tokens): the operator suspended it.
func AccountSuspended() *Error {
	return &Error{Status: http.StatusForbidden, Code: "account_suspended", Key: "error.account_suspended"}
}

// VMAdminLocked refuses a customer's change of a VM the operator locked,
// with the operator's reason: 423 locked.
func VMAdminLocked(reason string) *Error {
	return &Error{Status: http.StatusLocked, Code: "locked", Key: "error.vm_admin_locked", Args: []string{"reason", reason}}
}
