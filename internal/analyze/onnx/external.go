package onnx

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/onnx"
)

// tensor checks one tensor's external-data entries. Loaders (onnx,
// onnxruntime) read external data only when data_location says EXTERNAL, so
// entries without that flag are inert.
func (r *run) tensor(where string, t *onnx.Tensor) {
	if t.Location != onnx.External {
		return
	}
	at := analyze.Offset(t.Off)
	name := fmt.Sprintf("%s: tensor '%s'", where, t.Name)
	loc, ok := t.Get("location")
	if !ok || loc == "" {
		r.s.Report(analyze.Hit{Rule: "ONNX-202", At: at, Message: name + " is stored externally but names no location", Evidence: kvs(t)})
		return
	}
	if why := analyze.UnsafePath(loc); why != "" {
		r.s.Report(analyze.Hit{Rule: "ONNX-201", At: at,
			Message:  fmt.Sprintf("%s reads its data from a location outside the model's directory (%s)", name, why),
			Evidence: "location=" + loc})
		return
	}
	off, length, bad := ranges(t)
	if bad != "" {
		r.s.Report(analyze.Hit{Rule: "ONNX-202", At: at, Message: name + ": " + bad, Evidence: kvs(t)})
		return
	}
	r.onDisk(name, at, loc, off, length)
}

// onDisk checks the location against the directory, when the engine can
// see it: links lead elsewhere, and the range must fit the file.
func (r *run) onDisk(name, at, loc string, off, length int64) {
	r.external[loc]++
	if r.sib == nil {
		return
	}
	info, ok := r.sib.Sibling(strings.ReplaceAll(loc, "\\", "/"))
	switch {
	case !ok || !info.Exists:
	case info.Link != "":
		r.s.Report(analyze.Hit{Rule: "ONNX-201", At: at,
			Message:  fmt.Sprintf("%s reads its data through a symbolic link, which can lead anywhere on the host", name),
			Evidence: fmt.Sprintf("location=%s, link %s", loc, info.Link)})
	case info.Links > 1:
		r.s.Report(analyze.Hit{Rule: "ONNX-201", At: at,
			Message:  fmt.Sprintf("%s reads its data from a file with %d hard links, which may be a file elsewhere on the host", name, info.Links),
			Evidence: "location=" + loc})
	case info.Regular && length >= 0 && off+length > info.Size, info.Regular && off > info.Size:
		r.s.Report(analyze.Hit{Rule: "ONNX-202", At: at,
			Message:  fmt.Sprintf("%s claims bytes %d..%d of a %d-byte file", name, off, off+max(length, 0), info.Size),
			Evidence: fmt.Sprintf("location=%s, offset=%d, length=%d", loc, off, length)})
	}
}

// ranges parses offset and length (length -1 when absent) and checks them
// against each other and the tensor's declared size.
func ranges(t *onnx.Tensor) (off, length int64, bad string) {
	length = -1
	for _, key := range []string{"offset", "length"} {
		v, ok := t.Get(key)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, fmt.Sprintf("external-data %s %q is not a non-negative integer", key, v)
		}
		if key == "offset" {
			off = n
		} else {
			length = n
		}
	}
	if length >= 0 && off > math.MaxInt64-length {
		return 0, 0, "offset + length overflows"
	}
	if want := declaredBytes(t); want >= 0 && length >= 0 && length != want {
		return 0, 0, fmt.Sprintf("length %d does not match the %d bytes its type and shape need", length, want)
	}
	return off, length, ""
}

// elementBits are the widths of ONNX's fixed-size data types.
var elementBits = map[int64]int64{1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64,
	12: 32, 13: 64, 14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4}

// declaredBytes is the byte size the tensor's type and shape imply, or -1.
func declaredBytes(t *onnx.Tensor) int64 {
	bits, ok := elementBits[t.DataType]
	n := t.Elements()
	if !ok || n < 0 || n > math.MaxInt64/bits {
		return -1
	}
	return (n*bits + 7) / 8
}

func kvs(t *onnx.Tensor) string {
	var parts []string
	for _, e := range t.External {
		parts = append(parts, e.Key+"="+e.Value)
	}
	return strings.Join(parts, ", ")
}

// reportExternal lists the in-directory files the loader will read.
func (r *run) reportExternal() {
	if len(r.external) == 0 {
		return
	}
	var locs []string
	for l, n := range r.external {
		locs = append(locs, fmt.Sprintf("%s (%d tensors)", l, n))
	}
	sort.Strings(locs)
	r.s.Report(analyze.Hit{Rule: "ONNX-100",
		Message:  fmt.Sprintf("tensors are stored in %d external file(s) beside the model; onnx.load reads them from the model's directory", len(locs)),
		Evidence: strings.Join(locs, "; ")})
}
