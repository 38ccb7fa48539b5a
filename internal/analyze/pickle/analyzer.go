// Package pickle analyses Python pickle streams — plain pickles, the
// pickles inside PyTorch files, numpy object arrays and joblib dumps — by
// interpreting every opcode symbolically: a stack and memo model resolves
// what each import and call reaches, and the classifier decides whether it
// can run code, touch files or the network, or is unknown.
package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/internal/analyze"
	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// Hints parents pass to mark how a pickle will be loaded.
const (
	// HintPickle: the parent knows the member is a pickle (torch data.pkl).
	HintPickle = "pickle"
	// HintTorchScript: unpickled by TorchScript's C++ unpickler.
	HintTorchScript = "torchscript-pickle"
)

// Analyzer is the pickle analyzer.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "pickle" }

var pickleNames = []string{".pkl", ".pickle", ".dill", ".joblib"}

// Match implements analyze.Analyzer: the bytes decide; a parent's hint or a
// pickle file name only make a malformed stream count as a (broken) pickle.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	if pkl.Sniff(a.Head, a.Size) {
		return analyze.Structure
	}
	if len(a.Head) > 0 && pkl.Valid(a.Head[0]) && (a.Hint == HintPickle || a.Hint == HintTorchScript || hasSuffix(a.Name, pickleNames)) {
		return analyze.Name
	}
	return analyze.No
}

func hasSuffix(name string, suffixes []string) bool {
	name = strings.ToLower(name)
	for _, s := range suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

var decoders = sync.Pool{New: func() any { return pkl.NewDecoder(nil) }}

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	r, err := s.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	dec := decoders.Get().(*pkl.Decoder)
	defer decoders.Put(dec)
	dec.Reset(r, pkl.Linear)

	res := analyzeStream(s, dec, pkl.Linear)
	if res.straddles == 0 {
		return res.err
	}
	// The frames disagree with the opcodes: pickle.loads and torch.load's
	// file reader see different opcode streams. Report it and analyse the
	// second reading too.
	s.Report(analyze.Hit{
		Rule:     "PICKLE-202",
		At:       analyze.Offset(res.firstStraddle),
		Message:  fmt.Sprintf("%d FRAME boundaries disagree with the opcodes that cross them; CPython's file reader skips bytes that pickle.loads and pickletools read", res.straddles),
		Evidence: "FRAME boundary crossed",
	})
	r2, err := s.Open()
	if err != nil {
		return errors.Join(res.err, fmt.Errorf("re-reading for the frame-dropping interpretation: %w", err))
	}
	defer r2.Close()
	dec.Reset(r2, pkl.DropStraddled)
	res2 := analyzeStream(s, dec, pkl.DropStraddled)
	if res.err != nil {
		return res.err
	}
	return res2.err
}

type streamResult struct {
	err           error
	straddles     int
	firstStraddle int64
}

// analyzeStream walks every stacked pickle of one stream and reports.
func analyzeStream(s analyze.Scope, dec *pkl.Decoder, mode pkl.FrameMode) streamResult {
	a := s.Artifact()
	m := getMachine()
	defer putMachine(m)
	m.ctx, m.dec, m.hint = s.Context(), dec, a.Hint
	var firsts []value
	var runErr error
	var walker *recordWalker
	if a.Hint == HintTorchStorages || a.Hint == HintTorchTensors {
		walker = &recordWalker{kind: a.Hint}
	}
	for i := 0; ; i++ {
		m.resetStream()
		err := m.run()
		if errors.Is(err, io.EOF) {
			break // nothing more to read
		}
		if err != nil {
			runErr = describe(err)
			break
		}
		if len(firsts) < 2 {
			firsts = append(firsts, m.stopValue)
		}
		if walker != nil {
			more, err := walker.after(m)
			if err != nil {
				runErr = describe(err)
				break
			}
			if more {
				continue
			}
		}
		if dec.AtEOF() {
			break
		}
		next := dec.Peek(analyze.HeadSize)
		remaining := int64(-1)
		if a.Size >= 0 {
			remaining = a.Size - dec.Offset()
		}
		if walker != nil || !pkl.Sniff(next, remaining) {
			m.trailing(dec.Offset(), next)
			break
		}
	}
	if m.budgetHit != "" && runErr == nil {
		runErr = fmt.Errorf("the pickle exceeds the analysis budget (%s); values beyond it are treated as unknown", m.budgetHit)
	}
	if err := m.scanPayloads(s); err != nil && runErr == nil {
		runErr = err
	}
	if m.arrays > 0 {
		s.SetFormat("joblib")
	}
	legacyTorch(s, m, firsts)
	m.report(s, mode)
	return streamResult{err: runErr, straddles: dec.Straddles, firstStraddle: dec.FirstStraddle}
}

// describe turns decoder errors into messages a person can act on.
func describe(err error) error {
	if errors.Is(err, analyze.ErrBudget) {
		return err
	}
	var pe *pkl.Error
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, pkl.ErrTruncated):
			return fmt.Errorf("the pickle is truncated: %s at offset %d ended before its data (%s)", nameOf(pe.Code), pe.Offset, pe.Detail)
		case errors.Is(pe.Err, pkl.ErrInvalidOpcode):
			return fmt.Errorf("the pickle is malformed: %s is not a pickle opcode", strings.TrimPrefix(pe.Error(), "invalid opcode "))
		}
		return fmt.Errorf("the pickle is malformed: %w", pe)
	}
	if errors.Is(err, errStackBudget) {
		return fmt.Errorf("%w; the rest of the pickle was not analysed", err)
	}
	return err
}

func nameOf(code byte) string {
	if n := pkl.Name(code); n != "" {
		return n
	}
	return "the stream"
}

// trailing inspects bytes after the last pickle: data after STOP is never
// unpickled by pickle.load, but an executable or archive there makes the file
// a polyglot that other tools will open.
func (m *machine) trailing(off int64, next []byte) {
	for _, sig := range trailingSignatures {
		if bytes.HasPrefix(next, []byte(sig.prefix)) {
			m.anomalies = append(m.anomalies, anomaly{off: off, rule: "PICKLE-204",
				msg: "the pickle is followed by " + sig.what + "; the file is a polyglot",
				ev:  fmt.Sprintf("%q", next[:min(len(next), 16)])})
			return
		}
	}
}

var trailingSignatures = []struct{ prefix, what string }{
	{"\x7fELF", "an ELF executable"},
	{"MZ", "a Windows executable"},
	{"\xcf\xfa\xed\xfe", "a Mach-O executable"},
	{"#!", "a script"},
	{"PK\x03\x04", "a zip archive"},
	{"7z\xbc\xaf\x27\x1c", "a 7z archive"},
	{"\x1f\x8b", "a gzip stream"},
	{"\x89HDF\r\n\x1a\n", "an HDF5 file"},
}

// legacyMagic is PyTorch's legacy-format magic number, as LONG1 bytes.
var legacyMagic = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// legacyTorch recognises torch.save's legacy layout (a magic-number pickle,
// then protocol 1001, sys_info, the object and the storage keys) and a magic
// number that was computed instead of stored.
func legacyTorch(s analyze.Scope, m *machine, firsts []value) {
	if len(firsts) < 2 || firsts[1].k != kInt || firsts[1].n != 1001 {
		return
	}
	magic := firsts[0]
	if magic.k == kBigInt && bytes.Equal(m.arena[magic.a:magic.a+uint32(magic.b)], legacyMagic) {
		s.SetFormat("pytorch-legacy")
		return
	}
	s.SetFormat("pytorch-legacy")
	s.Report(analyze.Hit{
		Rule:     "TORCH-201",
		Message:  "the first pickle of this legacy PyTorch file does not store the magic number; it computes a value instead, which only scanner evasion needs",
		Evidence: m.render(magic, 3),
		At:       analyze.Offset(0),
	})
}
