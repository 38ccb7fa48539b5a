// Package safetensors analyses safetensors files from their header alone:
// the header must be readable the way the reference loader reads it, every
// tensor's dtype × shape must match its data_offsets, the offsets must tile
// the byte buffer exactly, and nothing may follow the buffer. Tensor data is
// never read; bytes outside every tensor (holes, trailing data) are handed
// back to the engine as child artifacts, because that is where polyglot
// payloads for other loaders hide.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	pkl "github.com/modelgate/modelgate/internal/format/pickle"
	st "github.com/modelgate/modelgate/internal/format/safetensors"
)

// Analyzer is the safetensors analyzer.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "safetensors" }

// Match implements analyze.Analyzer. There is no magic number: a plausible
// length followed by valid JSON is the structure; a '{' after an
// implausible length, or the name, only makes a broken file count as
// safetensors when no other format claims it.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	h := a.Head
	switch {
	case st.Plausible(h, a.Size):
		return analyze.Structure
	case jsonAfterLength(h),
		len(h) >= st.PrefixLen && strings.HasSuffix(strings.ToLower(a.Name), ".safetensors"):
		// A broken header (a lying length, bad JSON) is still safetensors
		// when it looks like one: tensor bytes rarely do.
		return analyze.Name
	}
	return analyze.No
}

// jsonAfterLength recognises a JSON object with a string key after the
// length field, and a length without the random high bytes of tensor data.
func jsonAfterLength(h []byte) bool {
	if len(h) < st.PrefixLen+2 || binary.LittleEndian.Uint64(h) >= 1<<40 {
		return false
	}
	rest := bytes.TrimLeft(h[st.PrefixLen:], " \t\r\n")
	if len(rest) < 2 || rest[0] != '{' || rest[1] != '"' {
		return false
	}
	// A key of printable characters, its closing quote and a colon.
	for i, c := range rest[2:min(len(rest), 258)] {
		switch {
		case c == '"':
			after := bytes.TrimLeft(rest[2+i+1:], " \t\r\n")
			return i > 0 && len(after) > 0 && after[0] == ':'
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return false
}

// maxPerRule bounds how many findings one rule raises per file; the last
// one says how many more there were.
const maxPerRule = 10

// maxHoles bounds the holes scanned as child artifacts.
const maxHoles = 8

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	size := s.Artifact().Size
	h, err := st.Read(ra, size)
	var fe *st.FormatError
	if errors.As(err, &fe) {
		s.Report(analyze.Hit{Rule: "SAFETENSORS-201", At: analyze.Offset(fe.Off),
			Message:  "the header cannot be read by the reference safetensors loader: " + fe.Msg,
			Evidence: fe.Msg})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the safetensors header: %w", err)
	}
	r := &analyze.Capped{Scope: s, Max: maxPerRule}
	defer r.Flush()
	problems(r, h)
	end, holes := layout(r, h, size-h.DataStart)
	for _, hole := range holes {
		off := h.DataStart + int64(hole[0])
		s.Scan(analyze.Child{Name: fmt.Sprintf("<hole at %d>", off), Src: analyze.SectionSource{R: ra, Off: off, Len: int64(hole[1] - hole[0])}})
	}
	outside(s, r, ra, h, size, end)
	return nil
}

func problems(r *analyze.Capped, h *st.Header) {
	for _, p := range h.Problems {
		rule, why := "SAFETENSORS-201", "the reference loader rejects the header: "
		switch p.Kind {
		case st.Duplicate:
			rule, why = "SAFETENSORS-202", "readers disagree on which duplicate wins (serde and Python's json keep the last, others the first): "
		case st.NonString:
			rule, why = "SAFETENSORS-202", "the reference loader rejects non-string metadata while Python's json accepts it: "
		}
		r.Report(analyze.Hit{Rule: rule, At: analyze.Offset(p.Off), Message: why + p.Detail, Evidence: p.Path})
	}
}

// layout checks sizes and offsets of the well-formed entries against the
// dataLen bytes of buffer; it returns where the covered buffer ends and the
// first holes between tensors.
func layout(r *analyze.Capped, h *st.Header, dataLen int64) (uint64, [][2]uint64) {
	var ts []*st.Tensor
	for i := range h.Tensors {
		t := &h.Tensors[i]
		if t.Placed && sizeOK(r, t) {
			ts = append(ts, t)
		}
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].Begin != ts[j].Begin {
			return ts[i].Begin < ts[j].Begin
		}
		return ts[i].End < ts[j].End
	})
	var cursor uint64
	var prev *st.Tensor
	var holes [][2]uint64
	for _, t := range ts {
		switch {
		case t.Begin > cursor:
			if len(holes) < maxHoles && (dataLen < 0 || t.Begin <= uint64(dataLen)) {
				holes = append(holes, [2]uint64{cursor, t.Begin})
			}
			r.Report(analyze.Hit{Rule: "SAFETENSORS-204", At: analyze.Offset(t.Off),
				Message:  fmt.Sprintf("bytes %d..%d of the buffer belong to no tensor (a hole the reference loader rejects)", cursor, t.Begin),
				Evidence: fmt.Sprintf("hole [%d, %d) before %q", cursor, t.Begin, t.Name)})
		case t.Begin < cursor && t.End > t.Begin:
			r.Report(analyze.Hit{Rule: "SAFETENSORS-204", At: analyze.Offset(t.Off),
				Message:  fmt.Sprintf("tensor %q overlaps %q: two tensors share bytes", t.Name, prev.Name),
				Evidence: fmt.Sprintf("%q [%d, %d) overlaps %q [%d, %d)", t.Name, t.Begin, t.End, prev.Name, prev.Begin, prev.End)})
		}
		if dataLen >= 0 && t.End > uint64(dataLen) {
			r.Report(analyze.Hit{Rule: "SAFETENSORS-204", At: analyze.Offset(t.Off),
				Message:  fmt.Sprintf("tensor %q ends at buffer byte %d but the buffer holds only %d bytes: loaders that trust the offsets read out of bounds", t.Name, t.End, dataLen),
				Evidence: fmt.Sprintf("%q data_offsets [%d, %d], buffer %d bytes", t.Name, t.Begin, t.End, dataLen)})
		}
		if t.End > cursor {
			cursor, prev = t.End, t
		}
	}
	return cursor, holes
}

// sizeOK checks one entry's dtype × shape against its offsets.
func sizeOK(r *analyze.Capped, t *st.Tensor) bool {
	at := analyze.Offset(t.Off)
	desc := func() string {
		return fmt.Sprintf("%q dtype %s shape %v data_offsets [%d, %d]", t.Name, t.DType, t.Shape, t.Begin, t.End)
	}
	if t.End < t.Begin {
		r.Report(analyze.Hit{Rule: "SAFETENSORS-204", At: at, Message: fmt.Sprintf("tensor %q ends before it begins", t.Name), Evidence: desc()})
		return false
	}
	if !t.Valid {
		return true // its Problem is reported; only its placement is checked
	}
	size, whole, ok := t.Size()
	switch {
	case !ok:
		r.Report(analyze.Hit{Rule: "SAFETENSORS-203", At: at, Evidence: desc(),
			Message: fmt.Sprintf("the element count of %q overflows 64 bits: loaders that multiply without checking allocate a wrapped-around size", t.Name)})
	case !whole:
		r.Report(analyze.Hit{Rule: "SAFETENSORS-203", At: at, Evidence: desc(),
			Message: fmt.Sprintf("the %s elements of %q do not fill whole bytes", t.DType, t.Name)})
	case size != t.End-t.Begin:
		r.Report(analyze.Hit{Rule: "SAFETENSORS-203", At: at, Evidence: desc(),
			Message: fmt.Sprintf("%q needs %d bytes for its dtype and shape but its offsets span %d", t.Name, size, t.End-t.Begin)})
	}
	return true
}

// outside reports and scans the bytes no tensor covers: data after the
// buffer, and HDF5 superblocks where h5py looks for them.
func outside(s analyze.Scope, r *analyze.Capped, ra io.ReaderAt, h *st.Header, size int64, end uint64) {
	if size < 0 {
		return
	}
	dataLen := size - h.DataStart
	if end < uint64(dataLen) {
		off := h.DataStart + int64(end)
		n := size - off
		kind := polyglot(ra, off, n)
		if kind != "" {
			r.Report(analyze.Hit{Rule: "SAFETENSORS-206", At: analyze.Offset(off),
				Message:  fmt.Sprintf("%d bytes after the tensor buffer hold %s: the file is also loadable by another format's loader", n, kind),
				Evidence: kind})
		} else {
			r.Report(analyze.Hit{Rule: "SAFETENSORS-205", At: analyze.Offset(off),
				Message:  fmt.Sprintf("%d bytes follow the end of the tensor buffer; the reference loader rejects the file", n),
				Evidence: fmt.Sprintf("trailing data at %d, starting %q", off, peek(ra, off, 8))})
		}
		s.Scan(analyze.Child{Name: "<trailing data>", Src: analyze.SectionSource{R: ra, Off: off, Len: n}})
	}
	for off := int64(512); off+8 <= size; off *= 2 {
		if bytes.Equal(peek(ra, off, 8), hdf5Magic) {
			r.Report(analyze.Hit{Rule: "SAFETENSORS-206", At: analyze.Offset(off),
				Message:  fmt.Sprintf("an HDF5 superblock sits at offset %d, where h5py looks for one: the file also opens as HDF5", off),
				Evidence: "HDF5 signature at " + fmt.Sprint(off)})
			s.Scan(analyze.Child{Name: fmt.Sprintf("<hdf5 at %d>", off), Src: analyze.SectionSource{R: ra, Off: off, Len: size - off}})
		}
	}
}

var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// polyglot names the format whose signature starts the n bytes at off, or
// whose zip end record sits at their end.
func polyglot(ra io.ReaderAt, off, n int64) string {
	head := peek(ra, off, min(n, 64))
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip archive (PyTorch checkpoints and Keras models are zips)"
	case bytes.HasPrefix(head, hdf5Magic):
		return "an HDF5 file (Keras .h5)"
	case pkl.Sniff(head, n):
		return "a pickle"
	}
	tailLen := min(n, 22+65535)
	if bytes.Contains(peek(ra, off+n-tailLen, tailLen), []byte("PK\x05\x06")) {
		return "a zip end-of-central-directory record (zip readers open the file from its end)"
	}
	return ""
}

func peek(ra io.ReaderAt, off, n int64) []byte {
	if n <= 0 {
		return nil
	}
	buf := make([]byte, n)
	k, _ := ra.ReadAt(buf, off)
	return buf[:k]
}
