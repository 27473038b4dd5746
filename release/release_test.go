package release

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// The module root, where go.mod, main.go, .goreleaser.yaml and the
// Dockerfile are.
const root = ".."

const (
	modulePath  = "github.com/orosync/orosync"
	testVersion = "v1.2.3"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
	// What `orosync --version` starts with for testVersion and testCommit:
	// cli/app.go shortens the commit to 12 characters.
	wantVersionPrefix = "orosync version " + testVersion + " (commit 0123456789ab"
)

// The platforms a release builds.
var (
	wantGOOS   = []string{"darwin", "linux", "windows"}
	wantGOARCH = []string{"amd64", "arm64"}
)

var tmpDir string

func TestMain(m *testing.M) {
	var err error
	tmpDir, err = os.MkdirTemp("", "orosync-release-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpDir)
	os.Exit(code)
}

// goTool returns the go command, or skips the test when there is none.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot build the binary")
	}
	return p
}

// ---- Dockerfile ----

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
	line int
}

// stage is one FROM ... stage of a Dockerfile.
type stage struct {
	base, name string
	insts      []instruction
}

// parseDockerfile reads the Dockerfile into its stages. It understands what
// this repository's Dockerfile uses: comments, parser directives, backslash
// continuations and FROM ... AS name.
func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var stages []stage
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				continue
			}
			l = strings.TrimSuffix(l, `\`) + " " + next
		}
		cmd, args, _ := strings.Cut(l, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before the first FROM", start, in.cmd)
			}
			continue
		}
		stages[len(stages)-1].insts = append(stages[len(stages)-1].insts, in)
	}
	return stages
}

func readDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := parseDockerfile(t, string(b))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a final stage", len(stages))
	}
	return stages
}

// dockerGoBuild returns the go build command of the Dockerfile's build stage
// as arguments: the environment assignments before `go`, and the arguments
// after `go build`, with ${VERSION} and ${COMMIT} replaced.
func dockerGoBuild(t *testing.T, stages []stage, vars map[string]string) (env, args []string) {
	t.Helper()
	for _, s := range stages[:len(stages)-1] {
		for _, in := range s.insts {
			if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
				continue
			}
			cmdline, _, _ := strings.Cut(in.args, "&&")
			words := shellWords(t, cmdline, vars)
			i := slices.Index(words, "go")
			if i < 0 || i+1 >= len(words) || words[i+1] != "build" {
				t.Fatalf("Dockerfile:%d: want `[VAR=value...] go build ...` before any &&, got %q", in.line, cmdline)
			}
			return words[:i], words[i+2:]
		}
	}
	t.Fatal("Dockerfile: no RUN ... go build in a build stage")
	return nil, nil
}

// shellWords splits a shell command line into words: blanks separate words,
// double quotes group them, and ${NAME} is replaced from vars.
func shellWords(t *testing.T, s string, vars map[string]string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted, inWord = !quoted, true
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				t.Fatalf("unterminated ${ in %q", s)
			}
			name := s[i+2 : i+end]
			v, ok := vars[name]
			if !ok {
				t.Fatalf("Dockerfile build command uses ${%s}, which the test does not know", name)
			}
			w.WriteString(v)
			i += end
			inWord = true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// dockerBinary is the linux binary built exactly as the Dockerfile's build
// stage builds it (its go build command, run here), shared by the tests.
var dockerBinary struct {
	once sync.Once
	path string
	err  error
}

func buildDockerBinary(t *testing.T) string {
	t.Helper()
	gocmd := goTool(t)
	if runtime.GOOS != "linux" {
		t.Skip("the container image is linux: building it on", runtime.GOOS, "proves little")
	}
	dockerBinary.once.Do(func() {
		env, args := dockerGoBuild(t, readDockerfile(t), map[string]string{"VERSION": testVersion, "COMMIT": testCommit})
		out := filepath.Join(tmpDir, "docker", "orosync")
		i := slices.Index(args, "-o")
		if i < 0 || i+1 >= len(args) {
			dockerBinary.err = fmt.Errorf("the Dockerfile's go build has no -o: %q", args)
			return
		}
		args[i+1] = out
		dockerBinary.path = out
		dockerBinary.err = run(gocmd, append([]string{"build"}, args...), append(env, "GOOS=linux"))
	})
	if dockerBinary.err != nil {
		t.Fatalf("building as the Dockerfile does: %v", dockerBinary.err)
	}
	return dockerBinary.path
}

// run runs the go command in the module root with extra environment.
func run(gocmd string, args, env []string) error {
	cmd := exec.Command(gocmd, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// TestDockerfile checks the image's security properties: a build stage that
// builds a static, stamped binary, and a final stage on an empty base
// (scratch or distroless static) that runs it as an unprivileged user, with
// the CA certificates for HTTPS.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	final := stages[len(stages)-1]
	if final.base != "scratch" && !strings.HasPrefix(final.base, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s: want scratch or gcr.io/distroless/static (no shell, no libc, no package manager)", final.base)
	}

	last := func(cmd string) (instruction, bool) {
		for i := len(final.insts) - 1; i >= 0; i-- {
			if final.insts[i].cmd == cmd {
				return final.insts[i], true
			}
		}
		return instruction{}, false
	}
	if u, ok := last("USER"); !ok {
		t.Error("final stage has no USER: the container would run as root")
	} else {
		user, group, _ := strings.Cut(u.args, ":")
		if user != "65532" || (group != "" && group != "65532") {
			t.Errorf("Dockerfile:%d: USER %s: want 65532 or 65532:65532 (numeric, so that runAsNonRoot can verify it)", u.line, u.args)
		}
	}
	if e, ok := last("ENTRYPOINT"); !ok || e.args != `["/orosync"]` {
		t.Errorf("final stage ENTRYPOINT %q: want the exec form [\"/orosync\"]", e.args)
	}
	if w, ok := last("WORKDIR"); !ok || w.args != "/work" {
		t.Errorf("final stage WORKDIR %q: want /work", w.args)
	}
	var certs, binary bool
	for _, in := range final.insts {
		if in.cmd != "COPY" {
			continue
		}
		f := strings.Fields(in.args)
		dst := f[len(f)-1]
		certs = certs || strings.HasPrefix(dst, "/etc/ssl/certs/")
		binary = binary || dst == "/orosync"
	}
	if !certs {
		t.Error("final stage copies no CA certificates to /etc/ssl/certs/: HTTPS to Oro would fail")
	}
	if !binary {
		t.Error("final stage copies nothing to /orosync")
	}
	for _, in := range final.insts {
		if in.cmd == "RUN" {
			t.Errorf("Dockerfile:%d: RUN in the final stage: an empty base has no shell", in.line)
		}
	}

	env, args := dockerGoBuild(t, stages, map[string]string{"VERSION": testVersion, "COMMIT": testCommit})
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("build stage go build runs with %q: want CGO_ENABLED=0 (a static binary for an empty base)", env)
	}
	if !slices.Contains(args, "-trimpath") {
		t.Errorf("build stage go build %q: want -trimpath", args)
	}
	checkXFlags(t, "Dockerfile", strings.Join(args, " "))

	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	build := stages[0].base
	for line := range strings.SplitSeq(string(gomod), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			parts := strings.SplitN(v, ".", 3)
			want := "golang:" + parts[0] + "." + parts[1]
			if build != want && !strings.HasPrefix(build, want+"-") && !strings.HasPrefix(build, want+".") {
				t.Errorf("build stage FROM %s: want %s (go.mod says go %s)", build, want, v)
			}
		}
	}
}

// TestDockerBinaryIsStatic checks that the binary built as the Dockerfile
// builds it has no program interpreter and needs no shared library: it is
// what lets the image be FROM scratch.
func TestDockerBinaryIsStatic(t *testing.T) {
	path := buildDockerBinary(t)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkStatic(t, f)
}

// checkStatic fails the test when f is dynamically linked.
func checkStatic(t *testing.T, f *elf.File) {
	t.Helper()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP program header: it is dynamically linked (was it built with cgo?)")
		}
		if p.Type == elf.PT_DYNAMIC {
			t.Error("the binary has a PT_DYNAMIC program header: it needs the dynamic loader")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %q", libs)
	}
}

// TestDockerBinaryVersion checks that the version and commit the Dockerfile
// passes with -X reach `orosync --version`.
func TestDockerBinaryVersion(t *testing.T) {
	path := buildDockerBinary(t)
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("orosync --version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), wantVersionPrefix) {
		t.Errorf("orosync --version printed %q, want it to start with %q", out, wantVersionPrefix)
	}
}

// TestDockerBinaryRunsInEmptyRoot runs the static binary in a root directory
// that holds nothing else, as the unprivileged user of the image: what a
// FROM scratch image gives it. It needs root (chroot); CI runs as root.
func TestDockerBinaryRunsInEmptyRoot(t *testing.T) {
	path := buildDockerBinary(t)
	chroot, err := exec.LookPath("chroot")
	if err != nil {
		t.Skip("SKIPPED: no chroot command; the empty-root run is not checked")
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: chroot needs root; the empty-root run is not checked (CI runs it as root)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "orosync"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	// The example mappings, to run a command that does real work: `test`
	// compiles every jq program and runs every declared case, and needs no
	// secrets and no network.
	mappings := filepath.Join(dir, "work", "mappings")
	if err := os.MkdirAll(mappings, 0o755); err != nil {
		t.Fatal(err)
	}
	ymls, _ := filepath.Glob(filepath.Join(root, "examples", "*.yaml"))
	if len(ymls) == 0 {
		t.Fatal("no examples/*.yaml to run")
	}
	for _, y := range ymls {
		b, err := os.ReadFile(y)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mappings, filepath.Base(y)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	out, err := exec.Command(chroot, "--userspec=65532:65532", dir, "/orosync", "--version").CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "Operation not permitted") || strings.Contains(string(out), "cannot change root") {
			t.Skipf("SKIPPED: chroot is not permitted here (%s); the empty-root run is not checked", bytes.TrimSpace(out))
		}
		t.Fatalf("chroot %s /orosync --version: %v\n%s", dir, err, out)
	}
	if !strings.HasPrefix(string(out), wantVersionPrefix) {
		t.Errorf("in an empty root, orosync --version printed %q, want it to start with %q", out, wantVersionPrefix)
	}

	cmd := exec.Command(chroot, "--userspec=65532:65532", dir, "/orosync", "test", "/work/mappings")
	cmd.Env = []string{} // nothing from the host: the image has no environment either
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in an empty root, orosync test /work/mappings: %v\n%s", err, out)
	}
}

// ---- .goreleaser.yaml ----

// goreleaserConfig models the GoReleaser v2 fields this repository uses.
// It is decoded strictly, as GoReleaser decodes its configuration, so that a
// misspelt key (goarchs, ldflag) fails here and not at release time; a key
// GoReleaser has but this model lacks must be added to the model.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		LDFlags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
		GOOS         []string `yaml:"goos"`
		GOARCH       []string `yaml:"goarch"`
		Ignore       []any    `yaml:"ignore"`
		Targets      []string `yaml:"targets"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		Files           []any    `yaml:"files"`
		FormatOverrides []struct {
			GOOS    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
		Disable      bool   `yaml:"disable"`
	} `yaml:"checksum"`
	Changelog struct {
		Sort    string `yaml:"sort"`
		Filters struct {
			Exclude []string `yaml:"exclude"`
		} `yaml:"filters"`
	} `yaml:"changelog"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(c.Builds) != 1 {
		t.Fatalf(".goreleaser.yaml has %d builds, want 1", len(c.Builds))
	}
	return c
}

// TestGoreleaserConfig checks the release configuration: GoReleaser v2, the
// main package at the root, static and trimmed builds for the six platforms,
// version and commit stamped into the variables cli/app.go declares, archives
// with the README and the license, and checksums.
func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	if c.Version != 2 {
		t.Errorf("version: %d, want 2 (GoReleaser v2 refuses other configurations)", c.Version)
	}
	b := c.Builds[0]
	if b.Main != "." && b.Main != "" {
		t.Errorf("builds[0].main: %q, want . (main.go is at the module root)", b.Main)
	}
	if b.Binary != "orosync" {
		t.Errorf("builds[0].binary: %q, want orosync", b.Binary)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("builds[0].env: %q, want CGO_ENABLED=0", b.Env)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("builds[0].flags: %q, want -trimpath", b.Flags)
	}
	ld := strings.Join(b.LDFlags, " ")
	if f := strings.Fields(ld); !slices.Contains(f, "-s") || !slices.Contains(f, "-w") {
		t.Errorf("builds[0].ldflags: %q, want -s -w", ld)
	}
	checkXFlags(t, ".goreleaser.yaml", ld)
	if !strings.Contains(ld, "cli.buildVersion={{.Version}}") || !strings.Contains(ld, "cli.buildCommit={{.FullCommit}}") {
		t.Errorf("builds[0].ldflags: %q, want buildVersion={{.Version}} and buildCommit={{.FullCommit}}", ld)
	}
	if got := sorted(b.GOOS); !slices.Equal(got, wantGOOS) {
		t.Errorf("builds[0].goos: %q, want %q", got, wantGOOS)
	}
	if got := sorted(b.GOARCH); !slices.Equal(got, wantGOARCH) {
		t.Errorf("builds[0].goarch: %q, want %q", got, wantGOARCH)
	}
	if len(b.Ignore) > 0 || len(b.Targets) > 0 {
		t.Errorf("builds[0] has ignore or targets: all six goos × goarch platforms must be built")
	}

	if len(c.Archives) == 0 {
		t.Fatal("no archives")
	}
	for _, id := range c.Archives[0].IDs {
		if id != b.ID {
			t.Errorf("archives[0].ids: %q names no build (the build's id is %q)", id, b.ID)
		}
	}
	var files []string
	for _, f := range c.Archives[0].Files {
		switch f := f.(type) {
		case string:
			files = append(files, f)
		case map[string]any:
			if s, ok := f["src"].(string); ok {
				files = append(files, s)
			}
		}
	}
	if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, "README") }) ||
		!slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, "LICENSE") }) {
		t.Errorf("archives[0].files: %q, want the README and the LICENSE", files)
	}
	zip := false
	for _, o := range c.Archives[0].FormatOverrides {
		zip = zip || (o.GOOS == "windows" && slices.Contains(o.Formats, "zip"))
	}
	if !zip {
		t.Error("archives[0].format_overrides: want zip for windows")
	}
	if c.Checksum.Disable || c.Checksum.NameTemplate == "" {
		t.Errorf("checksum: %+v, want a checksum file", c.Checksum)
	}
}

// checkXFlags checks that ldflags set the version and the commit with -X,
// and that every -X names a package-level string variable that exists: the
// linker silently ignores -X of a variable that does not.
func checkXFlags(t *testing.T, where, ldflags string) {
	t.Helper()
	f := strings.Fields(ldflags)
	var set []string
	for i := 0; i < len(f); i++ {
		var x string
		switch {
		case f[i] == "-X" && i+1 < len(f):
			x = f[i+1]
			i++
		case strings.HasPrefix(f[i], "-X="):
			x = strings.TrimPrefix(f[i], "-X=")
		default:
			continue
		}
		name, _, ok := strings.Cut(x, "=")
		if !ok {
			t.Errorf("%s: -X %s: want importpath.name=value", where, x)
			continue
		}
		dot := strings.LastIndexByte(name, '.')
		pkg, v := name[:dot], name[dot+1:]
		rel, ok := strings.CutPrefix(pkg, modulePath)
		if !ok {
			t.Errorf("%s: -X %s: %s is not a package of %s", where, x, pkg, modulePath)
			continue
		}
		if !hasStringVar(t, filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(rel, "/"))), v) {
			t.Errorf("%s: -X %s: package %s declares no string variable %s (the linker would ignore the flag)", where, x, pkg, v)
		}
		set = append(set, name)
	}
	for _, want := range []string{modulePath + "/cli.buildVersion", modulePath + "/cli.buildCommit"} {
		if !slices.Contains(set, want) {
			t.Errorf("%s: ldflags %q do not set %s with -X", where, ldflags, want)
		}
	}
}

// hasStringVar reports whether the Go package in dir declares a package-level
// variable name of type string (or untyped, without a value).
func hasStringVar(t *testing.T, dir, name string) bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok || typ.Name != "string" {
					continue
				}
				for _, n := range vs.Names {
					if n.Name == name {
						return true
					}
				}
			}
		}
	}
	return false
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestCrossCompile builds the main package for every platform of
// .goreleaser.yaml with its environment, flags and ldflags (templates filled
// in), checks that each binary is an executable for its platform, and runs
// the one for this machine. A cold build cache makes this slow (about a minute
// per platform), so -short skips it.
func TestCrossCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling six platforms is slow with a cold build cache; run without -short")
	}
	gocmd := goTool(t)
	b := readGoreleaser(t).Builds[0]
	fill := strings.NewReplacer("{{.Version}}", testVersion, "{{ .Version }}", testVersion,
		"{{.FullCommit}}", testCommit, "{{ .FullCommit }}", testCommit)
	var ldflags []string
	for _, l := range b.LDFlags {
		ldflags = append(ldflags, fill.Replace(l))
	}
	if ld := strings.Join(ldflags, " "); strings.Contains(ld, "{{") {
		t.Fatalf("ldflags %q use a template this test does not fill in", ld)
	}
	for _, goos := range b.GOOS {
		for _, goarch := range b.GOARCH {
			t.Run(goos+"_"+goarch, func(t *testing.T) {
				out := filepath.Join(tmpDir, "cross", goos+"_"+goarch, b.Binary)
				if goos == "windows" {
					out += ".exe"
				}
				args := append([]string{"build"}, b.Flags...)
				args = append(args, "-buildvcs=false", "-ldflags", strings.Join(ldflags, " "), "-o", out, ".")
				env := append(slices.Clone(b.Env), "GOOS="+goos, "GOARCH="+goarch)
				if err := run(gocmd, args, env); err != nil {
					t.Fatal(err)
				}
				checkExecutable(t, out, goos, goarch)
				if goos == runtime.GOOS && goarch == runtime.GOARCH {
					v, err := exec.Command(out, "--version").CombinedOutput()
					if err != nil {
						t.Fatalf("%s --version: %v\n%s", out, err, v)
					}
					if !strings.HasPrefix(string(v), wantVersionPrefix) {
						t.Errorf("orosync --version printed %q, want it to start with %q", v, wantVersionPrefix)
					}
				}
			})
		}
	}
}

// checkExecutable checks that path is an executable in the format and for
// the processor of goos/goarch, and that a linux one is static.
func checkExecutable(t *testing.T, path, goos, goarch string) {
	t.Helper()
	switch goos {
	case "linux":
		f, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
		if f.Type != elf.ET_EXEC || f.Machine != want {
			t.Errorf("%s: ELF %v %v, want an executable for %v", path, f.Type, f.Machine, want)
		}
		checkStatic(t, f)
	case "darwin":
		f, err := macho.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]
		if f.Type != macho.TypeExec || f.Cpu != want {
			t.Errorf("%s: Mach-O %v %v, want an executable for %v", path, f.Type, f.Cpu, want)
		}
	case "windows":
		f, err := pe.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[goarch]
		if f.Machine != want || f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 {
			t.Errorf("%s: PE machine %#x, characteristics %#x, want an executable for %#x", path, f.Machine, f.Characteristics, want)
		}
	default:
		t.Fatalf("no check for GOOS %s", goos)
	}
}

// TestGoInstallable checks what `go install github.com/orosync/orosync@latest`
// needs of go.mod: the module path, a main package at the root, and no
// replace directive (go install module@version refuses a module with one).
func TestGoInstallable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "module "+modulePath {
		t.Errorf("go.mod starts with %q, want module %s", lines[0], modulePath)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "replace" || f[0] == "exclude") {
			t.Errorf("go.mod:%d: %s: go install %s@latest refuses a main module with replace or exclude directives", i+1, l, modulePath)
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(root, "main.go"), nil, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.Name != "main" {
		t.Errorf("main.go is package %s, want main", f.Name.Name)
	}
}
