package pickle

// Test hooks for the external test package.

// Classification is one observed classification of a global.
type Classification struct {
	Module, Name string
	Safe         bool
	Category     string
	Via          string
}

// Observe installs fn to see every classification; nil removes it. It must
// be set before a scan starts; fn must be safe for concurrent use.
func Observe(fn func(Classification)) {
	if fn == nil {
		observe = nil
		return
	}
	observe = func(module, name string, v verdict) {
		fn(Classification{Module: module, Name: name, Safe: v.cat == catSafe, Category: ruleFor(v.cat), Via: v.via})
	}
}

// AllowEntry mirrors one allowlist entry for tests.
type AllowEntry struct {
	Module, Versions, Unseen, Why string
	Names                         []string
	Classes                       bool
}

// Allowlist returns the allowlist entries.
func Allowlist() []AllowEntry {
	out := make([]AllowEntry, len(allowlist))
	for i, a := range allowlist {
		out[i] = AllowEntry{Module: a.Module, Versions: a.Versions, Unseen: a.Unseen, Why: a.Why, Names: a.Names, Classes: a.Classes}
	}
	return out
}

// FoldModule exposes alias folding (__builtin__ -> builtins).
func FoldModule(m string) string { return foldModule(m) }
