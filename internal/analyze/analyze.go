// Package analyze is the contract between the engine and the format
// analyzers. An analyzer says how well it matches an artifact (content first,
// the name only as a hint), then analyses it through a Scope: it reports
// findings, records what it could not finish, and hands nested content back to
// the engine as child artifacts. Analyzers never open files and never recurse
// themselves; the engine schedules children through the same path as
// top-level files, so nesting of any depth and every budget are handled once.
package analyze

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/modelgate/modelgate/internal/finding"
)

// HeadSize is how many leading bytes of every artifact the engine reads for
// content detection.
const HeadSize = 4096

// Confidence is how sure an analyzer is that an artifact is its format.
type Confidence int

const (
	// No: not this format.
	No Confidence = iota
	// Name: only the name or the parent's hint suggests it.
	Name
	// Structure: the bytes parse as this format, without a magic number.
	Structure
	// Magic: a magic number or signature identifies the format.
	Magic
)

// Source gives access to the bytes of an artifact.
type Source interface {
	// Size is the content length, or -1 when it is unknown until read.
	Size() int64
	// Open returns a reader from the first byte. A Source that can be read
	// only once returns ErrOneShot from the second call on.
	Open() (io.ReadCloser, error)
	// ReaderAt returns random access when it is available without copying,
	// or nil.
	ReaderAt() io.ReaderAt
}

// Prefixer is implemented by ReaderAts that already hold their first bytes
// in memory (a zip member whose local header was read with its head): the
// engine takes the artifact's head from Prefix instead of allocating and
// reading it again. Prefix returns the first n bytes (all of them when the
// data is shorter, which the caller knows from Size), or false. The slice
// is read-only.
type Prefixer interface {
	Prefix(n int) ([]byte, bool)
}

// ErrBudget marks errors caused by a budget rather than by malformed input.
var ErrBudget = errors.New("analysis budget exceeded")

// BombError is returned by metered readers when decompressed output exceeds
// the file's budgets.
type BombError struct {
	Reason string
}

func (e *BombError) Error() string { return "decompression bomb: " + e.Reason }
func (e *BombError) Unwrap() error { return ErrBudget }

// ErrOneShot is returned by Source.Open when a stream was already consumed.
var ErrOneShot = errors.New("stream can only be read once")

// Artifact is one piece of content under analysis: a top-level file, an
// archive member, a decompressed stream, a payload decoded from a string.
type Artifact struct {
	// Location is the file path, then "!member" for every container level.
	Location string
	// Name is the base name or member name; a hint, never proof of format.
	Name string
	// Hint is the format the parent expects this child to have ("pickle" for
	// a torch data.pkl), or "".
	Hint string
	// Depth is 0 for a top-level file and grows by one per container level.
	Depth int
	// Size is the content length, or -1 when unknown.
	Size int64
	// Head holds the first bytes (up to HeadSize).
	Head []byte
}

// Hit is what an analyzer reports; the engine completes it from the rule
// catalogue into a finding.Finding.
type Hit struct {
	Rule     string
	Message  string
	Evidence string
	// At is appended to the artifact's location: Offset(n) or Pointer(p).
	At string
	// Severity overrides the rule's default when non-zero (rules whose page
	// says the severity depends on the evidence).
	Severity finding.Severity
	// Symbol is the module-qualified class or callable the hit is about
	// ("mycompany.models.Net"; Keras registered names as "package>Name"),
	// for policies that trust the user's own code.
	Symbol string
}

// Offset formats a byte offset location suffix.
func Offset(n int64) string { return "@" + strconv.FormatInt(n, 10) }

// Pointer formats a JSON-pointer location suffix.
func Pointer(p string) string { return "#" + p }

// Child describes nested content handed back to the engine.
type Child struct {
	// Name is appended to the location after "!".
	Name string
	Src  Source
	// Hint is the expected format, if the parent knows it.
	Hint string
	// Stored is the size the content occupies in its parent (compressed
	// size for archive members), used for expansion-ratio budgets; 0 when
	// it is not a decompression.
	Stored int64
}

// Scope is the engine's side of one artifact's analysis.
type Scope interface {
	Context() context.Context
	Artifact() *Artifact
	// Open reads the artifact from its first byte.
	Open() (io.ReadCloser, error)
	// ReaderAt gives random access, copying a stream into bounded memory or
	// a temporary file within the budget when needed.
	ReaderAt() (io.ReaderAt, error)
	// Report records a finding.
	Report(h Hit)
	// Incomplete records that part of the artifact could not be analysed;
	// the file's verdict is at least `error`.
	Incomplete(err error)
	// SetFormat names the detected format more precisely than the
	// analyzer's name (e.g. "pytorch-zip" for a zip).
	SetFormat(name string)
	// Scan analyses a child artifact now, through the full detection path.
	Scan(c Child)
	// Meter wraps a decompressing reader so that its output counts against
	// the file's expansion budgets; stored is the compressed size (or 0).
	Meter(r io.Reader, stored int64) io.Reader
	// Layouts are the registered archive layouts, for container analyzers.
	Layouts() []Layout
}

// SiblingInfo describes a file next to an artifact on disk, as lstat sees it.
type SiblingInfo struct {
	Exists bool
	// Regular is false for directories, devices and the like.
	Regular bool
	Size    int64
	// Link is the first path component that is a symbolic link, "" if none.
	Link string
	// Links is the file's hard-link count (0 when the platform hides it).
	Links uint64
}

// Siblings is implemented by scopes whose artifact is a file on disk. Formats
// that name companion files by relative path (ONNX external data) use it to
// check where a name really leads without opening anything. rel must be a
// local, slash-separated path; ok is false when the artifact has no directory
// (standard input, archive members) or rel is not local.
type Siblings interface {
	Sibling(rel string) (info SiblingInfo, ok bool)
}

// Analyzer is one format family's analysis.
type Analyzer interface {
	// Name is constant and doubles as the format name in reports.
	Name() string
	// Match looks at the artifact's head, size, name and hint.
	Match(a *Artifact) Confidence
	// Analyze reads the artifact through s. A returned error means the
	// analysis is incomplete (it becomes an `error` entry).
	Analyze(s Scope) error
}

// Member is one entry of an archive as container analyzers list it.
type Member struct {
	Name string
	Size int64 // uncompressed size as declared, -1 if unknown
	Src  Source
	// Stored is the compressed size, for ratio budgets.
	Stored int64
}

// Layout recognises a well-known archive layout (a PyTorch checkpoint, a
// Keras v3 model, an npz) from its member list and analyses the archive as a
// whole. Container analyzers try every layout after listing members; a
// layout that matches takes over the members, otherwise each member becomes
// a child artifact.
type Layout interface {
	// Name is the format name reported for the archive ("pytorch-zip").
	Name() string
	// Match decides from the member names (and sizes) alone.
	Match(container string, members []Member) bool
	// Analyze handles the members, usually by scanning each as a child with
	// a hint, plus layout-level checks.
	Analyze(s Scope, members []Member) error
}

// BytesSource is a Source over bytes already in memory.
type BytesSource []byte

func (b BytesSource) Size() int64                  { return int64(len(b)) }
func (b BytesSource) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
func (b BytesSource) ReaderAt() io.ReaderAt        { return bytes.NewReader(b) }

// SectionSource is a Source over a range of a random-access parent.
type SectionSource struct {
	R        io.ReaderAt
	Off, Len int64
}

func (s SectionSource) Size() int64 { return s.Len }
func (s SectionSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.R, s.Off, s.Len)), nil
}
func (s SectionSource) ReaderAt() io.ReaderAt { return io.NewSectionReader(s.R, s.Off, s.Len) }

// StreamSource is a Source built from an opener that can be called again
// (for example a zip member that re-decompresses on every Open).
type StreamSource struct {
	N    int64 // -1 when unknown
	Func func() (io.ReadCloser, error)
}

func (s StreamSource) Size() int64                  { return s.N }
func (s StreamSource) Open() (io.ReadCloser, error) { return s.Func() }
func (s StreamSource) ReaderAt() io.ReaderAt        { return nil }

// ScanMembers hands every member to the engine as a child, with a hint from
// hint (which may be nil).
func ScanMembers(s Scope, members []Member, hint func(Member) string) {
	for _, m := range members {
		if s.Context().Err() != nil {
			return
		}
		h := ""
		if hint != nil {
			h = hint(m)
		}
		s.Scan(Child{Name: m.Name, Src: m.Src, Hint: h, Stored: m.Stored})
	}
}
