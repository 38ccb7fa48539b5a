// Package hdf5 analyses HDF5 files (legacy Keras .h5/.hdf5 models, Keras 3
// model.weights.h5) through the metadata-only reader internal/format/hdf5:
// every construct that makes libhdf5 read another file or allocate far more
// than the file holds, the inconsistencies the reader tolerated, and, for
// Keras models, the model_config and training_config documents, which the
// Keras analysis walks like any config. Dataset payloads are never read.
package hdf5

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/keras"
	"github.com/modelgate/modelgate/internal/format/hdf5"
)

// Analyzer is the HDF5 analyzer.
type Analyzer struct{}

// Name implements analyze.Analyzer.
func (Analyzer) Name() string { return "hdf5" }

// Match implements analyze.Analyzer: the superblock signature where the
// head shows it; a model name otherwise, because libhdf5 also finds a
// superblock behind a userblock larger than the head.
func (Analyzer) Match(a *analyze.Artifact) analyze.Confidence {
	if hdf5.Sniff(a.Head) {
		return analyze.Magic
	}
	switch n := strings.ToLower(a.Name); {
	case strings.HasSuffix(n, ".h5"), strings.HasSuffix(n, ".hdf5"):
		return analyze.Name
	}
	return analyze.No
}

// maxErrors is how many unreadable parts are listed before a count.
const maxErrors = 5

// Analyze implements analyze.Analyzer.
func (Analyzer) Analyze(s analyze.Scope) error {
	ra, err := s.ReaderAt()
	if err != nil {
		return err
	}
	f, err := hdf5.Open(ra, s.Artifact().Size, hdf5.Limits{})
	if errors.Is(err, hdf5.ErrNotHDF5) {
		s.Report(analyze.Hit{Rule: "FILE-100", Message: "named like an HDF5 file but holds no HDF5 superblock; h5py cannot open it",
			Evidence: "no signature at 0, 512, 1024, …"})
		return nil
	}
	if err != nil {
		return err
	}
	hazards(s, f.Hazards())
	anomalies(s, f.Anomalies())
	if err := kerasModel(s, f); err != nil {
		s.Incomplete(err)
	}
	for i, e := range f.Errors() {
		if i == maxErrors {
			s.Incomplete(fmt.Errorf("%d more parts of the file could not be read", len(f.Errors())-maxErrors))
			break
		}
		s.Incomplete(e)
	}
	return nil
}

// hazards reports what reaches outside the file (HDF5-201), what declares
// far more than it stores (HDF5-202) and what libhdf5 resolves by path
// inside the file (HDF5-203), one finding per construct.
func hazards(s analyze.Scope, hs []hdf5.Hazard) {
	for _, h := range hs {
		hit := analyze.Hit{Evidence: h.String(), At: "!" + h.Path}
		switch {
		case h.Kind == hdf5.HazardShapeBomb:
			hit.Rule = "HDF5-202"
			hit.Message = fmt.Sprintf("dataset %s declares %s but the file stores %s for it; loaders that allocate the declared shape exhaust memory",
				h.Path, size(int64(min(h.Declared, 1<<62))), stored(h.Stored))
		case h.Kind == hdf5.HazardSoftLink || h.Kind == hdf5.HazardUserLink || h.Kind == hdf5.HazardVirtual && h.File == ".":
			hit.Rule = "HDF5-203"
			hit.Message = fmt.Sprintf("%s %s is resolved by path when it is read, not stored where it appears", h.Kind, h.Path)
		default:
			hit.Rule = "HDF5-201"
			hit.Message = fmt.Sprintf("%s %s makes libhdf5 read %q when the data is accessed", h.Kind, h.Path, h.File)
		}
		s.Report(hit)
	}
}

// anomalies reports the inconsistencies the reader tolerated, in one
// finding: other readers may refuse the file or read it differently.
func anomalies(s analyze.Scope, as []hdf5.Anomaly) {
	if len(as) == 0 {
		return
	}
	var list []string
	for _, a := range as {
		list = append(list, a.String())
	}
	sort.Strings(list)
	n := len(list)
	if n > 5 {
		list = append(list[:5:5], fmt.Sprintf("and %d more", n-5))
	}
	s.Report(analyze.Hit{Rule: "HDF5-204",
		Message:  fmt.Sprintf("the HDF5 structure is inconsistent (%d issue(s)); the file was read as leniently as libhdf5 reads it", n),
		Evidence: strings.Join(list, "; ")})
}

// kerasDocs are the root attributes legacy Keras loaders deserialise:
// model_config always, training_config when compile=True (the default).
var kerasDocs = []string{"model_config", "training_config"}

// kerasModel analyses a legacy Keras model's config documents; the
// keras_version attribute is the file's (untrusted) version claim.
func kerasModel(s analyze.Scope, f *hdf5.File) error {
	root := f.Root()
	var docs []*hdf5.Attribute
	for _, name := range kerasDocs {
		if a := root.Attr(name); a != nil {
			docs = append(docs, a)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	s.SetFormat("keras-h5")
	claim := keras.Claim{Source: "keras_version attribute"}
	if a := root.Attr("keras_version"); a != nil {
		claim.Version, _ = a.Text()
	}
	k := keras.NewAnalysis(s, true, claim)
	var errs []error
	for _, a := range docs {
		text, err := a.Text()
		if err == nil {
			err = k.Config([]byte(text), "!"+a.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("attribute %s: %w", a.Name, err))
		}
	}
	k.Finish()
	return errors.Join(errs...)
}

func size(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d bytes", n)
}

func stored(n int64) string {
	if n < 0 {
		return "an unknown amount"
	}
	return size(n)
}
