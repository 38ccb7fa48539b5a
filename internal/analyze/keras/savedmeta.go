package keras

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/internal/analyze"
	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// SavedMetadata analyses keras_metadata.pb, which tf.keras 2.x writes into
// a SavedModel directory and reads back with tf.keras.models.load_model
// (no safe_mode): SavedMetadata{repeated SavedObject nodes = 1}, each node
// carrying its layer or model config as JSON in field 5. The wire format is
// walked with protowalk, like the TensorFlow analyzer's protobufs.
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

// Analyze implements analyze.Analyzer. Only the nodes' identifier and
// metadata strings are read; each metadata document is analysed as a
// config.
func (SavedMetadata) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	a := NewAnalysis(s, true, Claim{})
	err = savedObjects(pw.New(ra, s.Artifact().Size, pw.DefaultLimits()), func(i int, n savedObject) error {
		if n.err != nil {
			s.Incomplete(fmt.Errorf("keras_metadata.pb node %d: %w", i, n.err))
			return nil
		}
		if err := a.Config(n.metadata, fmt.Sprintf("!nodes/%d/metadata", i)); err != nil {
			s.Incomplete(fmt.Errorf("node %d (%s): %w", i, clip(n.identifier, 60), err))
		}
		return s.Context().Err()
	})
	a.Finish()
	if err != nil {
		return fmt.Errorf("keras_metadata.pb: %w", err)
	}
	return nil
}

// savedObject is the part of a SavedObject the analysis needs.
type savedObject struct {
	identifier string
	metadata   []byte
	// err is set when the metadata could not be read (too large).
	err error
}

// savedObjects calls fn for each SavedMetadata.nodes entry (field 1) with
// its identifier (4) and metadata (5); other fields are skipped by their
// wire type, as protobuf parsers do.
func savedObjects(w *pw.Walker, fn func(i int, n savedObject) error) error {
	root, i := w.Root(), 0
	return root.Each(func(f pw.Field) error {
		if f.Num != 1 {
			return nil
		}
		msg, err := root.Sub(f)
		if err != nil {
			return err
		}
		var n savedObject
		err = msg.Each(func(f pw.Field) error {
			switch f.Num {
			case 4:
				n.identifier, err = w.String(f, 256)
			case 5:
				n.metadata, err = w.Bytes(f, maxConfig)
				if errors.Is(err, pw.ErrTooLarge) {
					n.err, err = fmt.Errorf("metadata of %d bytes (limit %d) was not analysed", f.Len, maxConfig), nil
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		i++
		return fn(i-1, n)
	})
}
