package sevenz

import (
	"errors"
	"math/bits"
)

// Property IDs (7zFormat.txt).
const (
	idEnd                   = 0x00
	idHeader                = 0x01
	idArchiveProperties     = 0x02
	idAdditionalStreamsInfo = 0x03
	idMainStreamsInfo       = 0x04
	idFilesInfo             = 0x05
	idPackInfo              = 0x06
	idUnpackInfo            = 0x07
	idSubStreamsInfo        = 0x08
	idSize                  = 0x09
	idCRC                   = 0x0a
	idFolder                = 0x0b
	idCodersUnpackSize      = 0x0c
	idNumUnpackStream       = 0x0d
	idEmptyStream           = 0x0e
	idEmptyFile             = 0x0f
	idAnti                  = 0x10
	idName                  = 0x11
	idWinAttributes         = 0x15
	idEncodedHeader         = 0x17
)

const (
	// maxNesting bounds encoded headers that decode to encoded headers.
	maxNesting = 4
	// maxFolderStreams bounds the coders of a folder and the streams
	// between them (7-Zip's own limit is 64).
	maxFolderStreams = 64
)

// streams is a StreamsInfo: where the packed streams are, the folders that
// decode them, and how each folder's output splits into substreams.
type streams struct {
	packs   []span
	folders []folder
	subs    []substream // in folder order
}

// span is a range of the file.
type span struct{ off, n int64 }

// substream is one file's data inside a folder's unpacked stream.
type substream struct {
	folder       int
	offset, size int64
	crc          digest
}

type digest struct {
	crc uint32
	ok  bool
}

// folder is a graph of coders turning packed streams into one output.
// Streams are numbered across the folder: coder inputs (the packed side)
// in one sequence, coder outputs (the unpacked side) in another.
type folder struct {
	coders []coder
	bonds  []bond // coder input in reads coder output out
	packed []int  // coder inputs fed by packed streams, in order
	sizes  []int64
	crc    digest

	mainOut   int // the output no bond reads: the folder's data
	firstPack int // index of its first packed stream in streams.packs
	chain     []int
	err       error // why the folder cannot be decoded, or nil
}

type coder struct {
	method  uint64
	in, out int
	props   []byte
}

type bond struct{ in, out int }

func (f *folder) unpackSize() int64 { return f.sizes[f.mainOut] }

// parse reads the header at the start of hdr; dataEnd is where packed
// streams must end.
func (a *Archive) parse(hdr []byte, dataEnd int64) error {
	for range maxNesting {
		h := &reader{b: hdr}
		switch h.byte() {
		case idHeader:
			return a.parseHeader(h, dataEnd)
		case idEncodedHeader:
			s := parseStreams(h, dataEnd)
			if h.err != nil {
				return h.err
			}
			var err error
			if hdr, err = a.decodeHeader(s); err != nil {
				return err
			}
		default:
			return errors.New("7z header: neither a header nor an encoded header")
		}
	}
	return errors.New("7z header: encoded headers nested too deep")
}

func (a *Archive) parseHeader(h *reader, dataEnd int64) error {
	id := h.byte()
	if id == idArchiveProperties {
		for h.err == nil && h.byte() != idEnd {
			h.skipProperty()
		}
		id = h.byte()
	}
	if id == idAdditionalStreamsInfo {
		return errors.New("7z header: additional streams (external header data) are not supported")
	}
	s := &streams{}
	if id == idMainStreamsInfo {
		s = parseStreams(h, dataEnd)
		id = h.byte()
	}
	if id == idFilesInfo {
		a.Files = parseFiles(h, s)
		id = h.byte()
	} else if len(s.subs) > 0 {
		h.fail("%d streams but no file list", len(s.subs))
	}
	if h.err == nil && id != idEnd {
		h.fail("unexpected property %#x", id)
	}
	if len(s.folders) > 0 {
		a.streams = s
	}
	return h.err
}

func parseStreams(h *reader, dataEnd int64) *streams {
	s := &streams{}
	id := h.byte()
	if id == idPackInfo {
		s.parsePackInfo(h, dataEnd)
		id = h.byte()
	}
	if id == idUnpackInfo {
		s.parseUnpackInfo(h)
		id = h.byte()
	}
	if h.err != nil {
		return s // the folders may be incomplete
	}
	if id == idSubStreamsInfo {
		s.parseSubStreams(h)
		id = h.byte()
	} else {
		s.oneSubStreamPerFolder()
	}
	if h.err == nil && id != idEnd {
		h.fail("unexpected property %#x in streams info", id)
	}
	s.assignPacks(h)
	return s
}

// parsePackInfo reads where the packed streams are; each must lie between
// the signature header and the header.
func (s *streams) parsePackInfo(h *reader, dataEnd int64) {
	pos := h.size("pack position")
	n := h.count("packed streams", 1)
	var sizes []int64
	for id := h.byte(); h.err == nil && id != idEnd; id = h.byte() {
		switch id {
		case idSize:
			sizes = make([]int64, n)
			for i := range sizes {
				sizes[i] = h.size("packed stream")
			}
		case idCRC:
			h.digests(n) // the decoded data's CRCs are what is checked
		default:
			h.skipProperty()
		}
	}
	if h.err == nil && len(sizes) != n {
		h.fail("packed stream sizes are missing")
	}
	off := signatureSize + pos
	for i, n := range sizes {
		if off > dataEnd || n > dataEnd-off {
			h.fail("packed stream %d (%d bytes at offset %d) runs past the start of the header at %d", i, n, off, dataEnd)
			return
		}
		s.packs = append(s.packs, span{off, n})
		off += n
	}
}

func (s *streams) parseUnpackInfo(h *reader) {
	h.expect(idFolder, "the folder list")
	// A folder takes at least a coder count, a coder and an unpacked size.
	n := h.count("folders", 3)
	if h.byte() != 0 && h.err == nil {
		h.fail("folders stored outside the header are not supported")
	}
	for i := 0; i < n && h.err == nil; i++ {
		if f := parseFolder(h); h.err == nil {
			s.folders = append(s.folders, f)
		}
	}
	h.expect(idCodersUnpackSize, "the folders' unpacked sizes")
	for i := range s.folders {
		f := &s.folders[i]
		for j := range f.sizes {
			f.sizes[j] = h.size("unpacked stream")
		}
	}
	for id := h.byte(); h.err == nil && id != idEnd; id = h.byte() {
		if id != idCRC {
			h.skipProperty()
			continue
		}
		for i, d := range h.digests(len(s.folders)) {
			s.folders[i].crc = d
		}
	}
	if h.err == nil {
		for i := range s.folders {
			s.folders[i].plan()
		}
	}
}

func parseFolder(h *reader) folder {
	var f folder
	numCoders := h.number()
	if numCoders == 0 || numCoders > maxFolderStreams {
		h.fail("folder of %d coders", numCoders)
		return f
	}
	var ins, outs int
	for range numCoders {
		c := parseCoder(h)
		ins, outs = ins+c.in, outs+c.out
		if ins > maxFolderStreams || outs > maxFolderStreams {
			h.fail("folder of more than %d streams", maxFolderStreams)
			return f
		}
		f.coders = append(f.coders, c)
	}
	f.sizes = make([]int64, outs)
	// Every output but the folder's own feeds an input; the inputs left
	// over read packed streams.
	var boundIn, boundOut uint64
	for range outs - 1 {
		in, out := h.number(), h.number()
		if in >= uint64(ins) || out >= uint64(outs) || boundIn&(1<<in) != 0 || boundOut&(1<<out) != 0 {
			h.fail("bad bind pair %d-%d", in, out)
			return f
		}
		boundIn, boundOut = boundIn|1<<in, boundOut|1<<out
		f.bonds = append(f.bonds, bond{int(in), int(out)})
	}
	f.mainOut = bits.TrailingZeros64(^boundOut)
	numPacked := ins - (outs - 1)
	if numPacked < 1 {
		h.fail("folder without packed streams")
		return f
	}
	if numPacked == 1 {
		f.packed = []int{bits.TrailingZeros64(^boundIn)}
		return f
	}
	for range numPacked {
		in := h.number()
		if in >= uint64(ins) || boundIn&(1<<in) != 0 {
			h.fail("bad packed stream index %d", in)
			return f
		}
		boundIn |= 1 << in
		f.packed = append(f.packed, int(in))
	}
	return f
}

func parseCoder(h *reader) coder {
	flags := h.byte()
	if flags&0xc0 != 0 {
		// 0x80 announced alternative methods, never used; 0x40 is reserved.
		h.fail("coder flags %#x are not supported", flags)
		return coder{}
	}
	id := h.bytes(uint64(flags & 0x0f))
	if len(id) > 8 {
		h.fail("coder ID of %d bytes", len(id))
		return coder{}
	}
	c := coder{in: 1, out: 1}
	for _, b := range id {
		c.method = c.method<<8 | uint64(b)
	}
	if flags&0x10 != 0 {
		in, out := h.number(), h.number()
		if in == 0 || out == 0 || in > maxFolderStreams || out > maxFolderStreams {
			h.fail("coder with %d inputs and %d outputs", in, out)
			return coder{}
		}
		c.in, c.out = int(in), int(out)
	}
	if flags&0x20 != 0 {
		c.props = h.bytes(h.number())
	}
	return c
}

// parseSubStreams reads how many files each folder holds, their sizes
// (the last one in a folder is what the others leave) and their CRCs.
func (s *streams) parseSubStreams(h *reader) {
	counts := make([]int, len(s.folders))
	for i := range counts {
		counts[i] = 1
	}
	id := h.byte()
	for h.err == nil && id != idSize && id != idCRC && id != idEnd {
		if id != idNumUnpackStream {
			h.skipProperty()
		} else if !s.readCounts(h, counts) {
			return
		}
		id = h.byte()
	}
	for i, c := range counts {
		if h.err == nil && c > 1 && id != idSize {
			h.fail("sizes of the %d streams of folder %d are missing", c, i)
		}
		s.splitFolder(h, i, c)
	}
	if id == idSize {
		id = h.byte()
	}
	for ; h.err == nil && id != idEnd; id = h.byte() {
		if id == idCRC {
			s.readSubDigests(h, counts)
		} else {
			h.skipProperty()
		}
	}
}

// readCounts reads the number of substreams of every folder; a count above
// one must be paid for by its sizes, which are checked as they are read.
func (s *streams) readCounts(h *reader, counts []int) bool {
	total := 0
	for i := range counts {
		c := h.number()
		if c > uint64(MaxEntries-total) {
			h.fail("more than %d streams declared", MaxEntries)
			return false
		}
		counts[i] = int(c)
		total += int(c)
	}
	return h.err == nil
}

// splitFolder reads the sizes of a folder's c substreams but the last.
func (s *streams) splitFolder(h *reader, fi, c int) {
	if c == 0 || h.err != nil {
		return
	}
	if c-1 > len(h.b) {
		h.fail("%d stream sizes declared, more than the %d bytes left can hold", c-1, len(h.b))
		return
	}
	total := s.folders[fi].unpackSize()
	var off int64
	for range c - 1 {
		n := h.size("stream")
		if n > total-off {
			h.fail("the streams of folder %d exceed its %d bytes", fi, total)
			return
		}
		s.subs = append(s.subs, substream{folder: fi, offset: off, size: n})
		off += n
	}
	s.subs = append(s.subs, substream{folder: fi, offset: off, size: total - off})
}

// readSubDigests reads the CRCs of the substreams the folders' own CRCs do
// not cover: all but those alone in a folder with a CRC.
func (s *streams) readSubDigests(h *reader, counts []int) {
	covered := func(sub substream) bool { return counts[sub.folder] == 1 && s.folders[sub.folder].crc.ok }
	n := 0
	for _, sub := range s.subs {
		if !covered(sub) {
			n++
		}
	}
	d := h.digests(n)
	if d == nil {
		return
	}
	j := 0
	for i := range s.subs {
		if !covered(s.subs[i]) {
			s.subs[i].crc = d[j]
			j++
		}
	}
}

// oneSubStreamPerFolder is the default without SubStreamsInfo.
func (s *streams) oneSubStreamPerFolder() {
	for i := range s.folders {
		s.subs = append(s.subs, substream{folder: i, size: s.folders[i].unpackSize()})
	}
}

// assignPacks gives every folder its packed streams, in order, and takes
// the CRC of a folder's only substream from the folder.
func (s *streams) assignPacks(h *reader) {
	next := 0
	for i := range s.folders {
		s.folders[i].firstPack = next
		next += len(s.folders[i].packed)
	}
	if h.err == nil && next != len(s.packs) {
		h.fail("the folders read %d packed streams, the pack info lists %d", next, len(s.packs))
	}
	for i := range s.subs {
		f := &s.folders[s.subs[i].folder]
		if !s.subs[i].crc.ok && s.subs[i].size == f.unpackSize() {
			s.subs[i].crc = f.crc
		}
	}
}

// digests reads n CRCs, some possibly undefined.
func (h *reader) digests(n int) []digest {
	defined := h.definedVector(n)
	if h.err != nil || uint64(defined.ones(n))*4 > uint64(len(h.b)) {
		h.fail("%d CRCs declared, more than the %d bytes left can hold", n, len(h.b))
		return nil
	}
	d := make([]digest, n)
	for i := range d {
		if defined.has(i) {
			d[i] = digest{h.uint32(), true}
		}
	}
	return d
}
