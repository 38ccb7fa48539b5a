package hdf5

import (
	"errors"
	"fmt"
)

// Every error the reader returns wraps one of these, so callers can tell a
// hostile or damaged file from a budget that ran out or a feature the reader
// does not implement.
var (
	// ErrNotHDF5 means no superblock signature was found.
	ErrNotHDF5 = errors.New("hdf5: not an HDF5 file")
	// ErrMalformed means a structure is inconsistent or truncated.
	ErrMalformed = errors.New("hdf5: malformed structure")
	// ErrLimit means one of the Limits was reached.
	ErrLimit = errors.New("hdf5: limit exceeded")
	// ErrUnsupported means a valid structure the reader does not decode.
	ErrUnsupported = errors.New("hdf5: unsupported feature")
)

// Error locates a failure: which structure, where in the file, and which
// object it belongs to.
type Error struct {
	// Kind is ErrMalformed, ErrLimit, ErrUnsupported or ErrNotHDF5.
	Kind error
	// What names the structure being read ("object header", "fractal heap").
	What string
	// Offset is the absolute file offset of that structure, or -1.
	Offset int64
	// Path is the object the structure belongs to, when known.
	Path   string
	Detail string
	// Cause is an underlying I/O error, if any.
	Cause error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.What != "" {
		s += ": " + e.What
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset %d", e.Offset)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Path != "" {
		s += " (object " + e.Path + ")"
	}
	return s
}

// Unwrap exposes both the kind and the underlying cause to errors.Is.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// errAt builds an error about the structure at address addr (relative to the
// superblock, as every address in the file is); f supplies the base.
func (s *source) errAt(kind error, what string, addr uint64, format string, args ...any) *Error {
	return &Error{Kind: kind, What: what, Offset: s.fileOffset(addr), Detail: fmt.Sprintf(format, args...)}
}

// fail builds an error whose location the caller fills in through wrap.
func fail(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Offset: -1, Detail: fmt.Sprintf(format, args...)}
}

// wrap locates err at the structure at addr unless it is located already;
// a decoder overrun becomes ErrMalformed.
func (s *source) wrap(err error, what string, addr uint64) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: ErrMalformed, Offset: -1, Cause: err}
		if errors.Is(err, errShort) {
			e.Cause, e.Detail = nil, err.Error()
		}
	}
	if e.What == "" {
		e.What = what
	}
	if e.Offset < 0 {
		e.Offset = s.fileOffset(addr)
	}
	return e
}

// withPath records the object an error belongs to, keeping an inner path.
func withPath(err error, path string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Path == "" {
			e.Path = path
		}
		return e
	}
	return &Error{Kind: ErrMalformed, Offset: -1, Path: path, Cause: err}
}
