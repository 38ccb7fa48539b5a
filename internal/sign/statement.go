package sign

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// In-toto and model-signing identifiers.
const (
	InTotoPayloadType    = "application/vnd.in-toto+json"
	StatementType        = "https://in-toto.io/Statement/v1"
	PredicateSignatureV1 = "https://model_signing/signature/v1.0"
	// PredicateDigestsV01 is the layout of model_signing v0.2: one subject
	// per file and no serialization record.
	PredicateDigestsV01 = "https://model_signing/Digests/v0.1"
)

// Statement is an in-toto v1 statement with its predicate left raw.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is an in-toto resource descriptor with a name and digests.
type Subject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

// predicateV1 is the model-signing v1.0 predicate.
type predicateV1 struct {
	Serialization Serialization  `json:"serialization"`
	Resources     []resourceJSON `json:"resources"`
}

// serializationJSON is Serialization as the predicate spells it.
type serializationJSON struct {
	Method        string `json:"method"`
	HashType      string `json:"hash_type"`
	AllowSymlinks bool   `json:"allow_symlinks"`
	// IgnorePaths is a pointer so that a recorded empty list ([]) differs
	// from an absent one (signatures before model_signing 1.1).
	IgnorePaths *[]string `json:"ignore_paths,omitempty"`
	// ShardSize is a JSON number: the reference writes it through a
	// protobuf Struct, so it arrives as 1000000000.0.
	ShardSize *json.Number `json:"shard_size,omitempty"`
}

// MarshalJSON writes the predicate's "serialization" object.
func (s Serialization) MarshalJSON() ([]byte, error) {
	j := serializationJSON{Method: s.Method, HashType: s.HashType, AllowSymlinks: s.AllowSymlinks}
	if s.IgnorePaths != nil {
		j.IgnorePaths = &s.IgnorePaths
	}
	if s.Method == MethodShards {
		n := json.Number(strconv.FormatInt(s.ShardSize, 10))
		j.ShardSize = &n
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads and validates a "serialization" object.
func (s *Serialization) UnmarshalJSON(b []byte) error {
	var j serializationJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var err error
	*s, err = j.parse()
	return err
}

type resourceJSON struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// StatementFor returns the in-toto statement that signs the manifest: one
// subject (the model name and root digest) and the v1.0 predicate, laid out
// as the reference implementation lays it out.
func StatementFor(m *Manifest) ([]byte, error) {
	p := predicateV1{Serialization: m.Serialization, Resources: make([]resourceJSON, len(m.Resources))}
	for i, r := range m.Resources {
		p.Resources[i] = resourceJSON{Name: r.Name(), Algorithm: r.Algorithm, Digest: hex.EncodeToString(r.Digest)}
	}
	return statementWith(m.ModelName, m.RootDigest(), PredicateSignatureV1, p)
}

func statementWith(name string, digest []byte, predicateType string, predicate any) ([]byte, error) {
	pb, err := json.Marshal(predicate)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(digest)}}},
		PredicateType: predicateType,
		Predicate:     pb,
	})
}

// ParseStatement decodes an in-toto v1 statement.
func ParseStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("statement: _type is %q, want %q", st.Type, StatementType)
	}
	return &st, nil
}

// ManifestFromStatement rebuilds the signed manifest from a model-signing
// statement, checking that the subject's root digest matches the resources.
func ManifestFromStatement(st *Statement) (*Manifest, error) {
	switch st.PredicateType {
	case PredicateSignatureV1:
		return manifestV1(st)
	case PredicateDigestsV01:
		return manifestV01(st)
	}
	return nil, fmt.Errorf("predicate type %q is not a model signature (want %s or %s)",
		st.PredicateType, PredicateSignatureV1, PredicateDigestsV01)
}

func manifestV1(st *Statement) (*Manifest, error) {
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("statement has %d subjects, want exactly one", len(st.Subject))
	}
	var p predicateV1
	if err := json.Unmarshal(st.Predicate, &p); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	if p.Serialization.Method == "" {
		return nil, fmt.Errorf("predicate: no serialization")
	}
	m := &Manifest{ModelName: st.Subject[0].Name, Serialization: p.Serialization}
	for _, rj := range p.Resources {
		r, err := rj.parse(p.Serialization)
		if err != nil {
			return nil, err
		}
		m.Resources = append(m.Resources, r)
	}
	// The root is over the resources in the order they were signed.
	if err := checkRoot(st.Subject[0], m.RootDigest()); err != nil {
		return nil, err
	}
	return m, finishParsed(m)
}

func (s serializationJSON) parse() (Serialization, error) {
	ser := Serialization{Method: s.Method, HashType: s.HashType, AllowSymlinks: s.AllowSymlinks}
	if s.HashType != HashSHA256 {
		return ser, fmt.Errorf("hash_type %q is not supported (only sha256)", s.HashType)
	}
	if s.IgnorePaths == nil {
		return ser, s.parseMethod(&ser)
	}
	// Recorded, even if empty: verifiers then ignore exactly these.
	ser.IgnorePaths = make([]string, 0, len(*s.IgnorePaths))
	for _, p := range *s.IgnorePaths {
		c, err := cleanRelPath(p)
		if err != nil {
			return ser, fmt.Errorf("serialization ignore_paths: %w", err)
		}
		ser.IgnorePaths = append(ser.IgnorePaths, c)
	}
	return ser, s.parseMethod(&ser)
}

func (s serializationJSON) parseMethod(ser *Serialization) error {
	switch s.Method {
	case MethodFiles:
		return nil
	case MethodShards:
		var err error
		ser.ShardSize, err = parseShardSize(s.ShardSize)
		return err
	}
	return fmt.Errorf("serialization method %q is not supported", s.Method)
}

func parseShardSize(n *json.Number) (int64, error) {
	if n == nil {
		return 0, fmt.Errorf("shards serialization without shard_size")
	}
	if i, err := n.Int64(); err == nil && i > 0 {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, fmt.Errorf("invalid shard_size %s", n.String())
	}
	return int64(f), nil
}

func (rj resourceJSON) parse(ser Serialization) (Resource, error) {
	r, err := parseResourceName(rj.Name, ser.Method == MethodShards)
	if err != nil {
		return r, err
	}
	want := HashSHA256
	if r.Sharded {
		want = shardAlgorithm(ser.ShardSize)
	}
	if rj.Algorithm != HashSHA256 && rj.Algorithm != want {
		return r, fmt.Errorf("resource %q: algorithm %q is not supported", rj.Name, rj.Algorithm)
	}
	r.Algorithm = rj.Algorithm
	r.Digest, err = decodeSHA256(rj.Digest)
	if err != nil {
		return r, fmt.Errorf("resource %q: %w", rj.Name, err)
	}
	return r, nil
}

func decodeSHA256(s string) ([]byte, error) {
	d, err := hex.DecodeString(s)
	if err != nil || len(d) != 32 {
		return nil, fmt.Errorf("digest %q is not a hex SHA-256", s)
	}
	return d, nil
}

func checkRoot(sub Subject, root []byte) error {
	want, err := decodeSHA256(sub.Digest["sha256"])
	if err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	if !bytes.Equal(want, root) {
		return fmt.Errorf("statement is inconsistent: subject digest %x, but the resources hash to %x", want, root)
	}
	return nil
}

// manifestV01 reads the v0.2 layout: each subject is a file and its digest.
func manifestV01(st *Statement) (*Manifest, error) {
	m := &Manifest{ModelName: "", Serialization: Serialization{Method: MethodFiles, HashType: HashSHA256}}
	for _, s := range st.Subject {
		if a, ok := s.Annotations["actual_hash_algorithm"]; ok && a != "file-sha256" {
			return nil, fmt.Errorf("subject %q: hash algorithm %v is not supported", s.Name, a)
		}
		r, err := parseResourceName(s.Name, false)
		if err != nil {
			return nil, err
		}
		if r.Digest, err = decodeSHA256(s.Digest["sha256"]); err != nil {
			return nil, fmt.Errorf("subject %q: %w", s.Name, err)
		}
		r.Algorithm = HashSHA256
		m.Resources = append(m.Resources, r)
	}
	return m, finishParsed(m)
}

// finishParsed rejects what would make the comparison ambiguous: duplicate
// names, no resources, or "." mixed with paths. The resources keep their
// signed order, so RootDigest still equals the subject's digest.
func finishParsed(m *Manifest) error {
	if len(m.Resources) == 0 {
		return fmt.Errorf("the signature lists no resources")
	}
	names := make([]string, len(m.Resources))
	single := m.Resources[0].Path == "."
	for i, r := range m.Resources {
		names[i] = r.Name()
		if (r.Path == ".") != single {
			return fmt.Errorf("resource \".\" (a single-file model) alongside other paths")
		}
	}
	slices.Sort(names)
	if i := firstDuplicate(names); i >= 0 {
		return fmt.Errorf("resource %q is listed twice", names[i])
	}
	return nil
}

func firstDuplicate(sorted []string) int {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return i
		}
	}
	return -1
}
