package pickle

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	pkl "github.com/modelgate/modelgate/internal/format/pickle"
)

// opByOp interprets as run does but one Op at a time through hot: the
// reference semantics burst must keep.
func opByOp(m *machine) error {
	var op pkl.Op
	for {
		if err := m.dec.Next(&op); err != nil {
			return err
		}
		if err := m.hot(&op); err != nil {
			return err
		}
		if op.Code == pkl.STOP {
			return nil
		}
	}
}

// denseOps is a list of random numbers in APPENDS batches, with an
// occasional opcode burst does not handle, one opcode per element.
func denseOps(rng *rand.Rand, items int) [][]byte {
	ops := [][]byte{{']'}, {0x94}}
	for i := 0; i < items; i++ {
		if i%(1+rng.IntN(50)) == 0 {
			if i > 0 {
				ops = append(ops, []byte{'e'})
			}
			ops = append(ops, []byte{'('})
		}
		switch rng.IntN(6) {
		case 0:
			ops = append(ops, []byte{'K', byte(rng.Uint32())})
		case 1:
			ops = append(ops, binary.LittleEndian.AppendUint16([]byte{'M'}, uint16(rng.Uint32())))
		case 2:
			ops = append(ops, binary.LittleEndian.AppendUint32([]byte{'J'}, rng.Uint32()))
		case 3:
			ops = append(ops, binary.BigEndian.AppendUint64([]byte{'G'}, rng.Uint64()))
		case 4:
			ops = append(ops, []byte{'N'})
		case 5:
			ops = append(ops, []byte{'('}, []byte{'t'}) // MARK, TUPLE: ()
		}
	}
	return append(ops, []byte{'e'}, []byte{'.'})
}

// framed puts the opcodes in FRAMEs of up to maxOps opcodes. When straddle
// is set, one frame in ten ends inside an opcode (hostile: the frame header
// then reads as part of the argument, linearly, as pickle.loads does).
func framed(rng *rand.Rand, ops [][]byte, maxOps int, straddle bool) []byte {
	out := []byte{0x80, 4}
	var body []byte
	for len(ops) > 0 {
		n := min(len(ops), 1+rng.IntN(maxOps))
		body = body[:0]
		for _, op := range ops[:n] {
			body = append(body, op...)
		}
		ops = ops[n:]
		if straddle && rng.IntN(10) == 0 && len(ops) > 0 {
			body = append(body, ops[0][:len(ops[0])/2]...)
			ops[0] = ops[0][len(ops[0])/2:]
		}
		out = binary.LittleEndian.AppendUint64(append(out, 0x95), uint64(len(body)))
		out = append(out, body...)
	}
	return out
}

func TestBurstMatchesOpByOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	complete := 0
	for trial := 0; trial < 400; trial++ {
		items := 1 + rng.IntN(3000)
		if trial%50 == 0 {
			items = 40000 // beyond the decoder's 64 KiB buffer
		}
		data := framed(rng, denseOps(rng, items), []int{3, 100, 20000}[trial%3], trial%4 == 0)
		got, want := interpretWith(t, data, (*machine).run), interpretWith(t, data, opByOp)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d (%d bytes): burst and op-by-op differ:\n%+v\n%+v", trial, len(data), got, want)
		}
		if got.err == "" && got.elems > 0 {
			complete++
		}
	}
	if complete < 250 {
		t.Fatalf("only %d of 400 pickles were read to STOP: the test is not exercising burst", complete)
	}
}

type interpretation struct {
	err       string
	stop      string
	elems     int
	stack     []value
	straddles int
	offset    int64
}

func interpretWith(t *testing.T, data []byte, run func(*machine) error) interpretation {
	t.Helper()
	m := getMachine()
	defer putMachine(m)
	dec := pkl.NewDecoder(bytes.NewReader(data))
	m.ctx, m.dec = context.Background(), dec
	var r interpretation
	if err := run(m); err != nil {
		r.err = err.Error()
	}
	r.stop = m.render(m.stopValue, 0)
	r.elems = len(m.elems)
	r.stack = append([]value(nil), m.stack...)
	r.straddles, r.offset = dec.Straddles, dec.Offset()
	return r
}
