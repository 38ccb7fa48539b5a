// Package numpy analyses NumPy .npy arrays and .npz archives. Arrays of
// Python objects carry a pickle after the header; that pickle is analysed as
// a child artifact. Numeric data is never read.
package numpy

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/format/npy"
)

// NPY analyses .npy files.
type NPY struct{}

// Name implements analyze.Analyzer.
func (NPY) Name() string { return "npy" }

// Match implements analyze.Analyzer.
func (NPY) Match(a *analyze.Artifact) analyze.Confidence {
	if bytes.HasPrefix(a.Head, npy.Magic) {
		return analyze.Magic
	}
	return analyze.No
}

// Analyze implements analyze.Analyzer.
func (NPY) Analyze(s analyze.Scope) error {
	a := s.Artifact()
	r, err := s.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	head := make([]byte, 12)
	n, _ := io.ReadFull(r, head)
	total, err := npy.HeaderLen(head[:n])
	if err != nil {
		return malformed(s, err.Error())
	}
	// A version 1 header can claim fewer bytes than the 12 already read.
	buf := make([]byte, total)
	k := copy(buf, head[:n])
	if m, _ := io.ReadFull(r, buf[k:]); k+m < total {
		return malformed(s, fmt.Sprintf("the header claims %d bytes but the file ends at %d", total, k+m))
	}
	h, err := npy.Parse(buf)
	if err != nil {
		return malformed(s, err.Error())
	}
	if h.Objects {
		s.Report(analyze.Hit{Rule: "NUMPY-100", Message: "the array holds Python objects: its data is a pickle that numpy.load(allow_pickle=True) runs", Evidence: h.Descr})
		if a.Hint == HintKerasWeights {
			s.Report(analyze.Hit{Rule: "KERAS-203",
				Message:  "a Keras weights file holds an object array: Keras 3.0–3.8 load model.weights.npz with allow_pickle=True, so its pickle runs on load",
				Evidence: h.Descr})
		}
		ra, err := s.ReaderAt()
		if err != nil {
			return err
		}
		s.Scan(analyze.Child{Name: "<object data>", Hint: pickle.HintPickle,
			Src: analyze.SectionSource{R: ra, Off: h.DataOffset, Len: a.Size - h.DataOffset}})
		return nil
	}
	want, ok := h.DataSize()
	if !ok {
		return malformed(s, fmt.Sprintf("shape %v with dtype %s overflows", h.Shape, h.Descr))
	}
	if a.Size >= 0 && want > a.Size-h.DataOffset {
		s.Report(analyze.Hit{Rule: "NUMPY-201",
			Message:  fmt.Sprintf("the header declares %d bytes of data but only %d follow; loaders that trust the shape allocate the declared size", want, a.Size-h.DataOffset),
			Evidence: fmt.Sprintf("shape %v, descr %s", h.Shape, h.Descr)})
	}
	return nil
}

func malformed(s analyze.Scope, why string) error {
	s.Report(analyze.Hit{Rule: "NUMPY-201", Message: "the .npy header cannot be parsed as numpy writes it: " + why, Evidence: why})
	return nil
}

// HintKerasWeights marks the arrays of a Keras model.weights.npz, which
// Keras never writes with object dtype.
const HintKerasWeights = "keras-weights-npz"

// NPZ is the layout of numpy.savez archives: every member an .npy.
type NPZ struct{}

// Name implements analyze.Layout.
func (NPZ) Name() string { return "npz" }

// Match implements analyze.Layout.
func (NPZ) Match(container string, members []analyze.Member) bool {
	if container != "zip" || len(members) == 0 {
		return false
	}
	for _, m := range members {
		if !strings.HasSuffix(m.Name, ".npy") {
			return false
		}
	}
	return true
}

// Analyze implements analyze.Layout: each member is scanned (and sniffed,
// so a pickle renamed .npy is still found). The arrays of a Keras weights
// archive (the name Keras reads, whether zipped in a .keras or not) carry
// a hint so that an object array among them is named for what it is.
func (NPZ) Analyze(s analyze.Scope, members []analyze.Member) error {
	var hint func(analyze.Member) string
	if s.Artifact().Name == "model.weights.npz" {
		hint = func(analyze.Member) string { return HintKerasWeights }
	}
	analyze.ScanMembers(s, members, hint)
	return nil
}
