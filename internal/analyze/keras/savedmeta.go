package keras

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/internal/analyze"
)

// SavedMetadata analyses keras_metadata.pb, which tf.keras 2.x writes into
// a SavedModel directory and reads back with tf.keras.models.load_model
// (no safe_mode): SavedMetadata{repeated SavedObject nodes = 1}, each node
// carrying its layer or model config as JSON in field 5.
type SavedMetadata struct{}

// Name implements analyze.Analyzer.
func (SavedMetadata) Name() string { return "keras-metadata" }

// identifierPrefix starts every SavedObject identifier tf.keras writes
// (_tf_keras_layer, _tf_keras_model, _tf_keras_sequential...).
var identifierPrefix = []byte("_tf_keras_")

// Match implements analyze.Analyzer: a first field 1 (nodes) and a node
// identifier in the head.
func (SavedMetadata) Match(a *analyze.Artifact) analyze.Confidence {
	switch {
	case len(a.Head) > 2 && a.Head[0] == 0x0a && bytes.Contains(a.Head, identifierPrefix):
		return analyze.Structure
	case a.Name == "keras_metadata.pb":
		return analyze.Name
	}
	return analyze.No
}

// maxMetadata bounds the file read into memory; the metadata of the largest
// tf.keras models is a few megabytes.
const maxMetadata = 64 << 20

// Analyze implements analyze.Analyzer.
func (SavedMetadata) Analyze(s analyze.Scope) error {
	data, err := readAll(s.Open, maxMetadata)
	if err != nil {
		return err
	}
	nodes, err := savedObjects(data)
	if err != nil {
		return fmt.Errorf("keras_metadata.pb: %w", err)
	}
	a := NewAnalysis(s, true, Claim{})
	for i, n := range nodes {
		if len(n.metadata) == 0 {
			continue
		}
		if err := a.Config(n.metadata, fmt.Sprintf("!nodes/%d/metadata", i)); err != nil {
			s.Incomplete(fmt.Errorf("node %d (%s): %w", i, clip(n.identifier, 60), err))
		}
	}
	a.Finish()
	return nil
}

// savedObject is the part of a SavedObject the analysis needs.
type savedObject struct {
	identifier string
	metadata   []byte
}

var errWire = errors.New("malformed protobuf")

// savedObjects decodes SavedMetadata.nodes (field 1), keeping each node's
// identifier (4) and metadata (5); every other field is skipped by its wire
// type, as protobuf parsers do.
func savedObjects(data []byte) ([]savedObject, error) {
	var out []savedObject
	err := fields(data, func(num uint64, val []byte) error {
		if num != 1 {
			return nil
		}
		var n savedObject
		err := fields(val, func(num uint64, v []byte) error {
			switch num {
			case 4:
				n.identifier = string(v)
			case 5:
				n.metadata = v
			}
			return nil
		})
		out = append(out, n)
		return err
	})
	return out, err
}

// fields calls fn with each length-delimited field of a message; varint and
// fixed-width fields are skipped.
func fields(msg []byte, fn func(num uint64, val []byte) error) error {
	for len(msg) > 0 {
		tag, n := varint(msg)
		if n == 0 {
			return fmt.Errorf("%w: bad tag", errWire)
		}
		msg = msg[n:]
		var val []byte
		switch tag & 7 {
		case 0:
			if _, n = varint(msg); n == 0 {
				return fmt.Errorf("%w: bad varint", errWire)
			}
			msg = msg[n:]
			continue
		case 1, 5:
			w := 8 // fixed64; fixed32 below
			if tag&7 == 5 {
				w = 4
			}
			if len(msg) < w {
				return fmt.Errorf("%w: truncated fixed field", errWire)
			}
			msg = msg[w:]
			continue
		case 2:
			l, n := varint(msg)
			if n == 0 || l > uint64(len(msg)-n) {
				return fmt.Errorf("%w: field length past the end", errWire)
			}
			val, msg = msg[n:n+int(l)], msg[n+int(l):]
		default:
			return fmt.Errorf("%w: wire type %d", errWire, tag&7)
		}
		if tag>>3 == 0 {
			return fmt.Errorf("%w: field number 0", errWire)
		}
		if err := fn(tag>>3, val); err != nil {
			return err
		}
	}
	return nil
}

// varint decodes a base-128 varint; n is 0 when it is truncated or longer
// than ten bytes.
func varint(b []byte) (v uint64, n int) {
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
