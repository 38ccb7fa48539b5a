// Package benchgen writes the inputs of modelgate's benchmarks: an
// opcode-dense pickle, a large PyTorch zip checkpoint and a directory of
// small pickles. Go benchmarks and the bench/ driver share them, so the
// numbers in notes and in `go test -bench` describe the same bytes.
package benchgen

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// DensePickle writes a protocol-4 pickle of one list the way CPython's
// pickler frames it: small ints and floats alternating, APPENDS every 1000
// items, FRAMEs of about 64 KiB. It writes items until size bytes and
// returns the number of opcodes.
func DensePickle(w io.Writer, size int) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var frame []byte
	ops := 0
	flush := func() {
		var hdr [9]byte
		hdr[0] = 0x95
		binary.LittleEndian.PutUint64(hdr[1:], uint64(len(frame)))
		bw.Write(hdr[:])
		bw.Write(frame)
		frame = frame[:0]
	}
	bw.Write([]byte{0x80, 4})
	frame = append(frame, ']', 0x94) // EMPTY_LIST, MEMOIZE
	ops += 4
	written := 2
	for i := 0; written+len(frame) < size-32; i++ {
		if i%1000 == 0 {
			if i > 0 {
				frame = append(frame, 'e') // APPENDS
				ops++
			}
			frame = append(frame, '(') // MARK
			ops++
		}
		if i%2 == 0 {
			frame = append(frame, 'K', byte(i)) // BININT1
		} else {
			frame = append(frame, 'G') // BINFLOAT
			frame = binary.BigEndian.AppendUint64(frame, math.Float64bits(float64(i)*0.5))
		}
		ops++
		if len(frame) >= 64<<10 {
			written += len(frame) + 9
			flush()
			ops++
		}
	}
	frame = append(frame, 'e', '.')
	ops += 2
	flush()
	return ops + 1, bw.Flush()
}

// TorchCheckpoint writes a torch.save-style zip: archive/data.pkl, a state
// dict of tensors rebuilt from persistent storages, and one stored
// archive/data/N member per tensor, totalling about size bytes.
func TorchCheckpoint(w io.Writer, size int64, tensors int) error {
	z := zip.NewWriter(w)
	pw, err := z.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	if err != nil {
		return err
	}
	per := size / int64(tensors) / 4 * 4
	if _, err := pw.Write(statePickle(tensors, per/4)); err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for i := 0; i < tensors; i++ {
		f, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("archive/data/%d", i), Method: zip.Store})
		if err != nil {
			return err
		}
		for left := per; left > 0; left -= int64(len(chunk)) {
			if _, err := f.Write(chunk[:min(left, int64(len(chunk)))]); err != nil {
				return err
			}
		}
	}
	for _, m := range [][2]string{{"archive/version", "3\n"}, {"archive/byteorder", "little"}} {
		f, _ := z.CreateHeader(&zip.FileHeader{Name: m[0], Method: zip.Store})
		f.Write([]byte(m[1]))
	}
	return z.Close()
}

// statePickle is data.pkl for n float tensors of numel elements each.
func statePickle(n int, numel int64) []byte {
	s := func(b []byte, text string) []byte { return append(append(b, 0x8c, byte(len(text))), text...) }
	b := []byte("\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(")
	for i := 0; i < n; i++ {
		b = s(b, fmt.Sprintf("layer%d.weight", i))
		b = append(b, "ctorch._utils\n_rebuild_tensor_v2\n("...)
		b = append(b, '(')
		b = s(b, "storage")
		b = append(b, "ctorch\nFloatStorage\n"...)
		b = s(b, fmt.Sprint(i))
		b = s(b, "cpu")
		b = append(b, 'J')
		b = binary.LittleEndian.AppendUint32(b, uint32(numel))
		b = append(b, 't', 'Q', 'K', 0, 'J')
		b = binary.LittleEndian.AppendUint32(b, uint32(numel))
		b = append(b, 0x85, 'K', 1, 0x85, 0x89)
		b = append(b, "ccollections\nOrderedDict\n)R"...)
		b = append(b, 't', 'R')
	}
	return append(b, 'u', '.')
}

// SmallPickles writes n small benign pickles (a config dict each) into dir.
func SmallPickles(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		// The epoch is appended as a raw byte: %c would UTF-8-encode
		// values above 127 and break the K opcode's one-byte argument.
		p := []byte("\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x02lr\x94G?\x84z\xe1G\xae\x14{\x8c\x05epoch\x94K")
		p = append(p, byte(i))
		p = fmt.Appendf(p, "\x8c\x04name\x94\x8c\x08run-%04d\x94u.", i%10000)
		binary.LittleEndian.PutUint64(p[3:], uint64(len(p)-11))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("cfg-%05d.pkl", i)), p, 0o644); err != nil {
			return err
		}
	}
	return nil
}
