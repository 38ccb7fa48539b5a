package jinja

import "strings"

// escapeKind says why an attribute name escapes Jinja's sandbox. A single
// leading underscore is not enough: the sandbox lets x._meta through to
// the dict key when x is a dict, which tool schemas use.
type escapeKind uint8

const (
	notEscape escapeKind = iota
	// internal: frame, code and generator attributes the sandbox refuses
	// (is_internal_attribute) and which lead to globals without a dunder.
	internal
	// dunder: a double underscore anywhere, which also catches mangled
	// names such as self._TemplateReference__context.
	dunder
)

var internalAttrs = map[string]bool{
	"gi_frame": true, "gi_code": true, "gi_yieldfrom": true, "cr_frame": true, "cr_code": true, "cr_await": true,
	"ag_frame": true, "ag_code": true, "tb_frame": true, "tb_next": true, "f_back": true, "f_globals": true,
	"f_locals": true, "f_builtins": true, "f_code": true, "co_code": true, "co_consts": true, "func_globals": true,
	"func_code": true, "im_func": true, "im_self": true, "im_class": true, "mro": true,
}

func classify(name string) escapeKind {
	switch {
	case strings.Contains(name, "__"):
		return dunder
	case internalAttrs[name]:
		return internal
	}
	return notEscape
}

// sinks are names whose reach, after an escape, means code execution,
// process creation, module import or file access.
var sinks = map[string]bool{
	// modules
	"os": true, "posix": true, "nt": true, "subprocess": true, "sys": true, "modules": true, "builtins": true,
	"importlib": true, "pty": true, "socket": true, "shutil": true, "ctypes": true, "runpy": true, "pickle": true,
	"marshal": true, "commands": true, "platform": true, "multiprocessing": true, "asyncio": true, "io": true,
	"codecs": true, "pathlib": true, "tempfile": true, "webbrowser": true,
	// code execution and import
	"eval": true, "exec": true, "compile": true, "__import__": true, "import_module": true, "load_module": true,
	"exec_module": true, "execfile": true, "run_path": true, "run_module": true, "breakpoint": true, "loads": true,
	"CDLL": true, "cdll": true, "LoadLibrary": true, "dlopen": true,
	// processes
	"system": true, "popen": true, "Popen": true, "check_output": true, "check_call": true, "getoutput": true,
	"getstatusoutput": true, "fork": true, "forkpty": true, "startfile": true, "posix_spawn": true, "posix_spawnp": true,
	// files and environment
	"open": true, "FileIO": true, "read_text": true, "read_bytes": true, "write_text": true, "write_bytes": true,
	"get_data": true, "listdir": true, "scandir": true, "remove": true, "unlink": true, "rmdir": true,
	"removedirs": true, "rmtree": true, "rename": true, "chmod": true, "chown": true, "mkdir": true, "makedirs": true,
	"symlink": true, "truncate": true, "environ": true, "getenv": true, "putenv": true, "chdir": true, "copyfile": true,
}

func isSink(name string) bool {
	if sinks[name] {
		return true
	}
	// os.execv, os.execlp, os.spawnl, os.spawnvpe…
	for _, p := range []string{"exec", "spawn"} {
		if rest, ok := strings.CutPrefix(name, p); ok && len(rest) >= 1 && len(rest) <= 3 && strings.Trim(rest, "lvpe") == "" {
			return true
		}
	}
	return false
}

// freeSinks are sink names a template may reference as if they were
// globals: a chat-template context never defines them, so the reference
// fails at render time unless the application exports them.
var freeSinks = map[string]bool{
	"os": true, "subprocess": true, "sys": true, "builtins": true, "posix": true, "nt": true, "importlib": true,
	"eval": true, "exec": true, "compile": true, "open": true, "popen": true, "system": true, "getattr": true,
	"setattr": true, "globals": true, "locals": true, "vars": true, "socket": true, "pty": true, "shutil": true,
	"ctypes": true, "pickle": true, "marshal": true, "breakpoint": true,
}

// jinjaGlobals are the globals Jinja defines; cycler, joiner, namespace and
// lipsum are the classic starting points of escapes.
var jinjaGlobals = map[string]bool{
	"cycler": true, "joiner": true, "namespace": true, "lipsum": true, "range": true, "dict": true, "self": true,
}
