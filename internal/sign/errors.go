package sign

import (
	"errors"
	"fmt"
)

// ErrNotVerified is wrapped by every error that means "this model does not
// match a valid signature" (wrong key or identity, modified, missing or
// unsigned files, a corrupt bundle) as opposed to an input/output or usage
// problem. Callers map it to exit status 1.
var ErrNotVerified = errors.New("not verified")

type notVerifiedError struct{ msg string }

func (e *notVerifiedError) Error() string { return e.msg }

func (e *notVerifiedError) Unwrap() error { return ErrNotVerified }

func notVerified(format string, a ...any) error {
	return &notVerifiedError{msg: fmt.Sprintf(format, a...)}
}
