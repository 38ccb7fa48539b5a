package tf

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/format/tfgraph"
)

// kind is what an op can do to the host.
type kind int

const (
	plain       kind = iota
	write            // writes attacker-chosen content to an attacker-chosen path
	save             // checkpoint writes: legitimate only on the saver's save path
	restore          // checkpoint reads: legitimate only on the saver's restore path
	read             // reads or enumerates files
	loader           // reads a data file whose path the model names (assets)
	pyfunc           // calls a Python function registered in the loading process
	network          // opens connections
	debugOp          // debugger and summary ops that log to files or endpoints
	protoDesc        // DecodeProtoV2 / EncodeProto: descriptor_source may be a file
	nestedGraph      // builds a dataset from a serialized graph
	printOp          // PrintV2: output_stream may name a file it appends to
)

// op describes one dangerous op: its kind and which input carries the path.
type op struct {
	kind kind
	path int // input index of the file name, -1 if none
}

var ops = map[string]op{
	"WriteFile": {write, 0}, "SaveDataset": {write, 1}, "SaveDatasetV2": {write, 1},
	"DatasetToTFRecord": {write, 1}, "ExperimentalDatasetToTFRecord": {write, 1}, "DistributedSave": {write, 1},
	"Save": {save, 0}, "SaveV2": {save, 0}, "SaveSlices": {save, 0}, "MergeV2Checkpoints": {save, 1},
	"Restore": {restore, 0}, "RestoreV2": {restore, 0}, "RestoreSlice": {restore, 0},
	"ReadFile": {read, 0}, "MatchingFiles": {read, 0}, "MatchingFilesDataset": {read, 0},
	"ExperimentalMatchingFilesDataset": {read, 0}, "ImmutableConst": {read, -1},
	"WholeFileReader": {read, -1}, "WholeFileReaderV2": {read, -1}, "TextLineReader": {read, -1},
	"TextLineReaderV2": {read, -1}, "TFRecordReader": {read, -1}, "TFRecordReaderV2": {read, -1},
	"FixedLengthRecordReader": {read, -1}, "FixedLengthRecordReaderV2": {read, -1},
	"LMDBReader": {read, -1}, "RecordInput": {read, -1}, "LoadDataset": {read, 0},
	"SnapshotDataset": {read, 1}, "SnapshotDatasetV2": {read, 1}, "SqlDataset": {read, 1},
	"ExperimentalSqlDataset": {read, 1}, "CacheDataset": {read, 1}, "CacheDatasetV2": {read, 1},
	"InitializeTableFromTextFile": {loader, 1}, "InitializeTableFromTextFileV2": {loader, 1},
	"TextLineDataset": {loader, 0}, "TFRecordDataset": {loader, 0}, "TFRecordDatasetV2": {loader, 0},
	"FixedLengthRecordDataset": {loader, 0}, "FixedLengthRecordDatasetV2": {loader, 0},
	"CSVDataset": {loader, 0}, "CSVDatasetV2": {loader, 0}, "ExperimentalCSVDataset": {loader, 0},
	"LMDBDataset": {loader, 0}, "ExperimentalLMDBDataset": {loader, 0}, "LoadAndRemapMatrix": {loader, 0},
	"GenerateVocabRemapping": {loader, 0}, "FixedUnigramCandidateSampler": {loader, -1},
	"PyFunc": {pyfunc, -1}, "PyFuncStateless": {pyfunc, -1}, "EagerPyFunc": {pyfunc, -1},
	"Rpc": {network, -1}, "RpcCall": {network, -1}, "RpcClient": {network, 0}, "RpcServer": {network, 0},
	"RpcServerStart": {network, -1}, "RpcServerRegister": {network, -1}, "RpcCheckStatus": {network, -1},
	"RpcGetValue": {network, -1}, "DataServiceDataset": {network, 3}, "DataServiceDatasetV2": {network, 3},
	"DataServiceDatasetV3": {network, 3}, "DataServiceDatasetV4": {network, 3}, "RegisterDataset": {network, 1},
	"RegisterDatasetV2": {network, 1}, "RemoteCall": {network, 0}, "CreateSummaryDbWriter": {debugOp, 1},
	"DebugIdentity": {debugOp, -1}, "DebugIdentityV2": {debugOp, -1}, "DebugIdentityV3": {debugOp, -1},
	"DebugNanCount": {debugOp, -1}, "DebugNumericSummary": {debugOp, -1}, "DebugNumericSummaryV2": {debugOp, -1},
	"CreateSummaryFileWriter": {debugOp, 1}, "FileSystemSetConfiguration": {debugOp, -1},
	"DecodeProtoV2": {protoDesc, -1}, "EncodeProto": {protoDesc, -1},
	"DatasetFromGraph": {nestedGraph, 0}, "PrintV2": {printOp, -1},
}

//go:embed stockops.txt
var stockOpsText string

var stockOps = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stockOpsText))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, name := range strings.Fields(line) {
			m[name] = true
		}
	}
	return m
})

// node checks one node against the op table and the stock registry.
func (r *run) node(pr *program, sc *scope, n *tfgraph.Node) {
	r.nested(pr, sc, n)
	o, known := ops[n.Op]
	switch {
	case known:
		r.dangerous(pr, sc, n, o)
	case !stockOps()[n.Op] && pr.fns[n.Op] == nil:
		r.hit(sc, n, "TF-105", fmt.Sprintf("runs op '%s', which is not in TensorFlow's op registry: loading the graph needs a custom op library (native code)", n.Op), n.Op)
	}
}

// dangerous reports a node whose op can touch the host, unless the
// context makes it legitimate (the saver's own checkpoint ops, assets).
func (r *run) dangerous(pr *program, sc *scope, n *tfgraph.Node, o op) {
	path, hasPath := "", false
	if o.path >= 0 && o.path < len(n.Inputs) {
		path, hasPath = sc.constString(n.Inputs[o.path])
	}
	ev := evidence(n, path, hasPath)
	switch o.kind {
	case write:
		r.hit(sc, n, "TF-101", "writes a file when the graph runs", ev)
	case save:
		if !pr.save[n] {
			r.hit(sc, n, "TF-101", "writes a checkpoint outside the SaverDef's save path", ev)
		}
	case restore:
		if !pr.restore[n] && !pr.save[n] {
			r.hit(sc, n, "TF-102", "reads a checkpoint outside the SaverDef's restore path", ev)
		}
	case read:
		r.hit(sc, n, "TF-102", "reads or lists files", ev+attrEvidence(n, "memory_region_name"))
	case loader:
		r.loader(sc, n, path, hasPath, ev)
	case pyfunc:
		r.hit(sc, n, "TF-103", "calls a Python function registered in the loading process", ev+attrEvidence(n, "token"))
	case network:
		r.hit(sc, n, "TF-104", "opens network connections", ev)
	case debugOp:
		r.debug(sc, n, ev)
	case protoDesc:
		r.protoDescriptor(sc, n, ev)
	case printOp:
		if a := n.Attr("output_stream"); a != nil && len(a.S) > 0 && strings.HasPrefix(a.S[0], "file://") {
			r.hit(sc, n, "TF-101", "appends to a file named by its output_stream", ev+attrEvidence(n, "output_stream"))
		}
	case nestedGraph:
		if len(n.Inputs) == 0 || !r.embedded(pr, sc, n) {
			r.hit(sc, n, "TF-202", "rebuilds a dataset from a serialized graph computed at run time, which cannot be inspected", ev)
		}
	}
}

// hit reports a finding on a node; what completes "graph: node 'x' (Op) …".
func (r *run) hit(sc *scope, n *tfgraph.Node, rule, what, ev string) {
	r.s.Report(analyze.Hit{Rule: rule, Message: sc.where(n) + " " + what, Evidence: ev, At: analyze.Offset(n.Off)})
}

func evidence(n *tfgraph.Node, path string, hasPath bool) string {
	ev := n.Op + " '" + n.Name + "'"
	if hasPath {
		ev += fmt.Sprintf(": %q", path)
	}
	return ev
}

func attrEvidence(n *tfgraph.Node, key string) string {
	if a := n.Attr(key); a != nil && len(a.S) > 0 {
		return fmt.Sprintf(", %s=%q", key, a.S[0])
	}
	return ""
}

// loader: data-loading ops are how vocabularies and datasets ship with a
// model (the loader feeds the asset's path at load time). A constant path
// that leaves the model's directory is a file read the model chose.
func (r *run) loader(sc *scope, n *tfgraph.Node, path string, hasPath bool, ev string) {
	if hasPath && escapes(path) {
		r.hit(sc, n, "TF-102", "reads a file outside the model's directory", ev)
		return
	}
	r.hit(sc, n, "TF-100", "reads a data file the model ships or the loader supplies", ev)
}

// debug: debugger and summary ops write logs to files or send them to
// endpoints named in attributes or inputs.
func (r *run) debug(sc *scope, n *tfgraph.Node, ev string) {
	urls := ""
	if a := n.Attr("debug_urls"); a != nil {
		urls = strings.Join(a.S, ",")
	}
	if strings.Contains(urls, "grpc://") {
		r.hit(sc, n, "TF-104", "streams tensors to a debugger endpoint", ev+", debug_urls="+urls)
		return
	}
	if urls == "" && strings.HasPrefix(n.Op, "Debug") {
		return
	}
	r.hit(sc, n, "TF-102", "writes logs or dumps to the file system", ev+attrEvidence(n, "debug_urls"))
}

// protoDescriptor: descriptor_source other than the built-in pool is a file
// the op reads.
func (r *run) protoDescriptor(sc *scope, n *tfgraph.Node, ev string) {
	a := n.Attr("descriptor_source")
	if a == nil || len(a.S) == 0 || a.S[0] == "" || a.S[0] == "local://" {
		return
	}
	r.hit(sc, n, "TF-102", "reads a protobuf descriptor from a file", ev+attrEvidence(n, "descriptor_source"))
}

// escapes reports a path that leaves the directory it is resolved in, or
// a URL (TensorFlow's file system layer reads gs://, s3://, hdfs:// ...).
func escapes(p string) bool {
	return analyze.UnsafePath(p) != "" || strings.Contains(p, "://")
}
