package hdf5

import (
	"bytes"
	"errors"
	"sort"
	"testing"
)

// fuzzLimits keep each fuzz input cheap; the defaults are exercised by the
// fixture tests.
var fuzzLimits = Limits{MaxReadBytes: 16 << 20, MaxAttrBytes: 1 << 20, MaxObjects: 20_000}

// seeds are the fixtures small enough to mutate quickly.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range fixtures(f) {
		if b := fixture(f, name); len(b) <= 64<<10 {
			out = append(out, b)
		}
	}
	return out
}

// FuzzOpen mutates whole files. Its inputs are tens of kilobytes, which
// the Go fuzzer minimizes slowly: run it with -fuzzminimizetime=5s.
func FuzzOpen(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(openAndExercise)
}

func openAndExercise(t *testing.T, b []byte) {
	file, err := Open(bytes.NewReader(b), int64(len(b)), fuzzLimits)
	if err != nil {
		checkError(t, err)
		return
	}
	exercise(t, file)
	if file.BytesRead() > fuzzLimits.MaxReadBytes {
		t.Fatalf("read %d bytes, limit %d", file.BytesRead(), fuzzLimits.MaxReadBytes)
	}
}

// FuzzPatch mutates every fixture, the large ones included, through small
// inputs: byte 0 picks the fixture, each following 4-byte group writes one
// byte near a metadata structure (structure index, 16-bit distance, value),
// and 1 to 3 leftover bytes truncate the file to a fraction of its size.
// Small inputs keep the fuzzer's minimization fast.
func FuzzPatch(f *testing.F) {
	type base struct {
		b       []byte
		anchors []int
	}
	var bases []base
	for _, name := range fixtures(f) {
		b := fixture(f, name)
		bases = append(bases, base{b, anchors(b)})
	}
	for i := range bases {
		f.Add([]byte{byte(i)})
		f.Add([]byte{byte(i), 0, 9, 0, 0xff})
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		bs := bases[int(in[0])%len(bases)]
		b := bytes.Clone(bs.b)
		p := in[1:]
		for ; len(p) >= 4; p = p[4:] {
			at := bs.anchors[int(p[0])%len(bs.anchors)] + int(p[1]) | int(p[2])<<8
			if at < len(b) {
				b[at] = p[3]
			}
		}
		if len(p) > 0 {
			b = b[:len(b)*int(p[len(p)-1])/256]
		}
		openAndExercise(t, b)
	})
}

// anchors lists where metadata starts in a file: every structure signature,
// and every object header and message the reader finds.
func anchors(b []byte) []int {
	set := map[int]bool{0: true}
	for _, sig := range []string{"OHDR", "OCHK", "TREE", "SNOD", "HEAP", "GCOL", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN", "BTLF", "FAHD", "FADB", "EAHD"} {
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte(sig))
			if j < 0 {
				break
			}
			set[i+j] = true
			i += j + 1
		}
	}
	if f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{}); err == nil {
		for addr := range f.objects {
			set[int(f.src.fileOffset(addr))] = true
			if h, err := f.readHeader(addr, ""); err == nil {
				for _, m := range h.msgs {
					set[int(f.src.fileOffset(m.addr))] = true
				}
			}
		}
	}
	var out []int
	for at := range set {
		out = append(out, at)
	}
	sort.Ints(out)
	return out
}

// exercise calls every accessor on every object, as an analyzer would.
func exercise(t *testing.T, f *File) {
	_ = f.Walk(func(o *Object) error {
		for _, a := range o.Attrs() {
			for _, err := range []error{second(a.Strings()), second(a.Ints()), second(a.Text()), second(a.Int())} {
				checkError(t, err)
			}
		}
		_, _, err := KerasAttr(o, "layer_names")
		checkError(t, err)
		if d := o.Dataset(); d != nil {
			d.DeclaredBytes()
			_, err := d.StoredBytes()
			checkError(t, err)
		}
		return nil
	})
	for _, h := range f.Hazards() {
		_ = h.String()
	}
	for _, err := range f.Errors() {
		checkError(t, err)
	}
}

func second[T any](_ T, err error) error { return err }

// checkError insists on the package's typed errors.
func checkError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	for _, kind := range []error{ErrNotHDF5, ErrMalformed, ErrLimit, ErrUnsupported} {
		if errors.Is(err, kind) {
			return
		}
	}
	t.Fatalf("error of unknown kind: %v", err)
}

// FuzzMessages feeds header message bodies straight to their decoders: the
// first byte picks the decoder.
func FuzzMessages(f *testing.F) {
	for _, b := range seeds(f) {
		file, err := Open(bytes.NewReader(b), int64(len(b)), fuzzLimits)
		if err != nil {
			continue
		}
		for addr := range file.objects {
			h, err := file.readHeader(addr, "")
			if err != nil {
				continue
			}
			for _, m := range h.msgs {
				f.Add(append([]byte{byte(m.typ)}, m.data...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		file := newFile(bytes.NewReader(nil), 0, fuzzLimits)
		d := file.src.decoder(b[1:])
		var err error
		switch b[0] {
		case msgDataspace:
			_, err = decodeDataspace(d)
		case msgDatatype:
			_, err = decodeDatatype(d)
		case msgLayout:
			_, err = decodeLayout(d)
		case msgLink:
			_, err = decodeLink(d)
		case msgFilters:
			_, err = decodeFilters(d)
		case msgExternal:
			_, err = decodeEFL(d)
		case msgAttribute:
			var a *Attribute
			if a, err = file.decodeAttribute(b[1:]); err == nil {
				_, _ = a.Strings()
				_, _ = a.Ints()
			}
		default:
			err = skipSelection(d)
		}
		checkError(t, file.src.wrap(err, "message", 0))
	})
}
