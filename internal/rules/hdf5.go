package rules

import "github.com/modelgate/modelgate/internal/finding"

const hdf5Remediation = "Re-save the weights from trusted code with h5py or Keras and compare the object tree with the original; " +
	"reject files whose data lives outside them.\n" +
	"Best practice: keep Keras at 3.13.2 or later (3.15.0 for every link and virtual-dataset case), which refuses these " +
	"constructs in model.weights.h5 and legacy .h5 models; open third-party HDF5 with h5py only after scanning it."

var hdf5Rules = []Rule{
	{
		ID: "HDF5-201", Title: "HDF5 file reads data from other files", Severity: finding.High, Class: finding.Suspicious,
		Overview: "HDF5 lets a file borrow data from elsewhere: an external link points a name at an object of another file, " +
			"external storage (the EFL message) keeps a dataset's bytes in other files, and a virtual dataset maps slices of other " +
			"files' datasets. libhdf5 follows all three when the data is read, so loading the weights of a Keras model (legacy .h5 " +
			"or model.weights.h5 inside a .keras) reads whatever those paths name on the victim's machine.",
		Trigger:     "An external link, an external-storage dataset, or a virtual dataset whose source is another file, anywhere in the object tree.",
		Impact:      "Local files (keys, credentials, /etc/passwd) are pulled into model weights and leak when the model is re-saved, shared or queried.",
		Remediation: hdf5Remediation,
		References:  []string{"CVE-2026-1669", "GHSA-3m4q-jmj6-r34q", "https://github.com/keras-team/keras/pull/22057"},
		Positive:    []string{"keras/cve/external_storage.h5", "keras/cve/weights_external_link.keras"},
		Negative:    []string{"keras/benign/keras2_lambda.h5", "keras/benign/dir/model.weights.h5", "keras/benign/sequential.keras"},
	},
	{
		ID: "HDF5-202", Title: "HDF5 dataset declares far more data than it stores (shape bomb)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "A dataset's dataspace and datatype declare its size; the file need not store it (chunks never written read as fill " +
			"values). A weights loader that allocates the declared shape, as Keras did, exhausts memory on a file of a few kilobytes.",
		Trigger:     "A dataset declaring more than 4 GiB and more than 1000 times the storage allocated to it (Keras' own thresholds), or whose storage cannot be determined.",
		Impact:      "Denial of service of whatever loads or converts the model.",
		Remediation: hdf5Remediation,
		References:  []string{"CVE-2026-0897", "GHSA-xfhx-r7ww-5995", "https://github.com/keras-team/keras/pull/21880"},
		Positive:    []string{"keras/cve/weights_shape_bomb.keras"},
		Negative:    []string{"keras/benign/sequential.keras", "keras/benign/keras2_lambda.h5"},
	},
	{
		ID: "HDF5-203", Title: "HDF5 link or dataset resolved by path inside the file", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "Soft links, user-defined links and virtual datasets that map this same file are resolved by path when they are read. " +
			"Writers of model weights never create them; they let one weight alias another, point at names that do not exist yet, or " +
			"depend on link handlers registered in the loading process. Keras refuses them since 3.12.3 / 3.15.0.",
		Trigger:     "A soft link, a user-defined link type, or a virtual dataset whose source file is '.'.",
		Impact:      "Weights that change depending on the reader, and a building block for the cross-file reads of HDF5-201.",
		Remediation: hdf5Remediation,
		References:  []string{"CVE-2026-1669", "https://github.com/keras-team/keras/pull/22899", "https://github.com/keras-team/keras/pull/22976"},
		Positive:    []string{"keras/cve/external_storage.h5"},
		Negative:    []string{"keras/benign/keras2_lambda.h5"},
	},
	{
		ID: "HDF5-204", Title: "HDF5 structure is inconsistent (parser differential)", Severity: finding.Medium, Class: finding.Suspicious,
		Overview: "The file has inconsistencies that HDF5 readers treat differently: bad checksums, a recorded end of file past the " +
			"real end, duplicate names, objects that are both group and dataset. modelgate reads the file as leniently as libhdf5 (or " +
			"more) and reports what it had to overlook, because such differences are how content is shown to one reader and hidden " +
			"from another.",
		Trigger: "Any anomaly the HDF5 reader tolerated while walking the object tree.",
		Impact:  "A scanner and the loader may see different objects or attribute values.",
		Remediation: "Re-save the file with h5py; reject it if its origin is unknown.\n" +
			"Best practice: accept model weights only from publishers that sign them, and verify the signature before any reader opens the file.",
		Positive: []string{"keras/anomaly/truncated.h5"},
		Negative: []string{"keras/benign/keras2_lambda.h5", "keras/benign/dir/model.weights.h5"},
	},
}
