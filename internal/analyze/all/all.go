// Package all is the explicit registry of analyzers and archive layouts: the
// one place that decides which formats modelgate understands and in which
// order ties between equally confident analyzers are broken.
package all

import (
	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/archive"
	"github.com/modelgate/modelgate/internal/analyze/gguf"
	"github.com/modelgate/modelgate/internal/analyze/hdf5"
	"github.com/modelgate/modelgate/internal/analyze/hf"
	"github.com/modelgate/modelgate/internal/analyze/jinja"
	"github.com/modelgate/modelgate/internal/analyze/joblib"
	"github.com/modelgate/modelgate/internal/analyze/keras"
	"github.com/modelgate/modelgate/internal/analyze/numpy"
	"github.com/modelgate/modelgate/internal/analyze/onnx"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/analyze/safetensors"
	"github.com/modelgate/modelgate/internal/analyze/tf"
	"github.com/modelgate/modelgate/internal/analyze/torch"
)

// Analyzers returns every content analyzer; on equal confidence the earlier wins.
func Analyzers() []analyze.Analyzer {
	return []analyze.Analyzer{
		archive.Zip{},
		archive.Tar{},
		archive.SevenZip{},
		archive.Compressed{},
		numpy.NPY{},
		joblib.ZF{},
		hdf5.Analyzer{},
		// Keras' own documents first: keras_metadata.pb is protobuf too, and
		// a tf-keras identifier in its head settles what it is.
		keras.ConfigJSON{},
		keras.SavedMetadata{},
		// Protobuf formats have no magic number: they match by structure,
		// ahead of the pickle sniffer on a tie.
		onnx.Analyzer{},
		tf.Analyzer{},
		gguf.Analyzer{},
		safetensors.Analyzer{},
		hf.Analyzer{},
		jinja.Analyzer{},
		pickle.Analyzer{},
	}
}

// Layouts returns every archive layout; the first that matches wins.
func Layouts() []analyze.Layout {
	return []analyze.Layout{
		keras.Layout{}, // before torch: extra members (x/data.pkl) must not turn a model into a checkpoint
		torch.ZipLayout{},
		torch.TarLayout{},
		numpy.NPZ{},
	}
}
