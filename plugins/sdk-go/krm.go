// Package krm is the Strata plugin SDK for Go: write a KRM function with the standard
// library only, build it with GOOS=wasip1 GOARCH=wasm, and Strata runs it in its
// sandbox (plugins/ABI.md).
//
// A plugin reads a ResourceList (JSON) on stdin and writes one on stdout. Items stay
// the JSON text they arrived as until the plugin changes them, so untouched items go
// back byte for byte (the host's fast path); numbers keep their spelling.
//
//	func main() {
//		krm.Run(func(rl *krm.ResourceList) error {
//			for _, it := range rl.Items {
//				if err := it.SetAnnotation("team", "blue"); err != nil {
//					return err
//				}
//			}
//			return nil
//		})
//	}
package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// ABIVersion is the plugin ABI this SDK speaks; the host's is the same string.
const ABIVersion = "strata.dev/plugin-abi/v2"

// InternalAnnotationPrefix marks annotations that belong to the host (item tracking):
// keep them as they are and leave them out of content hashes.
const InternalAnnotationPrefix = "internal.config.kubernetes.io/"

// Severity says how serious a Result is; SeverityError fails the build.
type Severity string

// The three severities of a KRM result.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// ResourceRef names the resource a Result is about.
type ResourceRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Name       string `json:"name,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
}

// Field names the field a Result is about, as a dotted path.
type Field struct {
	Path string `json:"path"`
}

// Result is one entry of the output's results list.
type Result struct {
	Message     string       `json:"message"`
	Severity    Severity     `json:"severity"`
	ResourceRef *ResourceRef `json:"resourceRef,omitempty"`
	Field       *Field       `json:"field,omitempty"`
}

// Resource is one item: its input text until it is changed, parsed on first read.
type Resource struct {
	raw     json.RawMessage
	obj     map[string]any
	changed bool
}

// NewResource wraps an object the plugin built (a generator's output).
func NewResource(obj map[string]any) *Resource {
	return &Resource{obj: obj, changed: true}
}

// Raw is the JSON text the item arrived as, or nil once it has been changed.
func (r *Resource) Raw() []byte {
	if r.changed {
		return nil
	}
	return r.raw
}

func (r *Resource) parse() (map[string]any, error) {
	if r.obj != nil {
		return r.obj, nil
	}
	obj, err := decodeObject(r.raw)
	if err != nil {
		return nil, fmt.Errorf("item is not a JSON object: %w", err)
	}
	r.obj = obj
	return obj, nil
}

// Object returns the item for changing: it will be written from this map. Read-only
// access (Get, GetString) keeps the item's input text.
func (r *Resource) Object() (map[string]any, error) {
	obj, err := r.parse()
	if err != nil {
		return nil, err
	}
	r.changed = true
	return obj, nil
}

// Get returns the value at a path of keys, and whether it is there.
func (r *Resource) Get(path ...string) (any, bool) {
	obj, err := r.parse()
	if err != nil {
		return nil, false
	}
	return Lookup(obj, path...)
}

// GetString returns the string at a path, or "" when absent or not a string.
func (r *Resource) GetString(path ...string) string {
	v, _ := r.Get(path...)
	s, _ := v.(string)
	return s
}

// APIVersion, Kind, Name and Namespace read the item's identity.
func (r *Resource) APIVersion() string { return r.GetString("apiVersion") }

// Kind is the item's kind.
func (r *Resource) Kind() string { return r.GetString("kind") }

// Name is the item's metadata.name.
func (r *Resource) Name() string { return r.GetString("metadata", "name") }

// Namespace is the item's metadata.namespace.
func (r *Resource) Namespace() string { return r.GetString("metadata", "namespace") }

// Set writes value at a path of keys, creating the maps on the way.
func (r *Resource) Set(value any, path ...string) error {
	obj, err := r.Object()
	if err != nil {
		return err
	}
	return SetNested(obj, value, path...)
}

// SetAnnotation sets metadata.annotations[key].
func (r *Resource) SetAnnotation(key, value string) error {
	return r.Set(value, "metadata", "annotations", key)
}

// SetLabel sets metadata.labels[key].
func (r *Resource) SetLabel(key, value string) error {
	return r.Set(value, "metadata", "labels", key)
}

// Ref is the item's identity, for a Result.
func (r *Resource) Ref() *ResourceRef {
	return &ResourceRef{APIVersion: r.APIVersion(), Kind: r.Kind(), Name: r.Name(), Namespace: r.Namespace()}
}

// Lookup returns the value at a path of keys in nested maps.
func Lookup(v any, path ...string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// SetNested writes value at a path of keys, creating maps where keys are missing (or
// null); a non-map on the way is an error naming the path.
func SetNested(obj map[string]any, value any, path ...string) error {
	if len(path) == 0 {
		return fmt.Errorf("empty path")
	}
	m := obj
	for i, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			if m[k] != nil {
				return fmt.Errorf("%s is not a map", strings.Join(path[:i+1], "."))
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
	return nil
}

// ResourceList is what a plugin reads and writes.
type ResourceList struct {
	Items []*Resource
	// FunctionConfig is the config resource that declared the plugin (nil if none).
	FunctionConfig map[string]any
	Results        []Result
}

// Config returns the functionConfig value at a path of keys.
func (rl *ResourceList) Config(path ...string) (any, bool) {
	return Lookup(rl.FunctionConfig, path...)
}

// ConfigString returns the functionConfig string at a path, or "".
func (rl *ResourceList) ConfigString(path ...string) string {
	v, _ := rl.Config(path...)
	s, _ := v.(string)
	return s
}

// ConfigStringMap returns the functionConfig map of strings at a path (nil when absent);
// a value that is not a string is an error naming it.
func (rl *ResourceList) ConfigStringMap(path ...string) (map[string]string, error) {
	v, ok := rl.Config(path...)
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("functionConfig.%s is not a map", strings.Join(path, "."))
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		switch s := x.(type) {
		case string:
			out[k] = s
		case json.Number:
			out[k] = s.String()
		case bool:
			out[k] = fmt.Sprint(s)
		default:
			return nil, fmt.Errorf("functionConfig.%s.%s is not a string", strings.Join(path, "."), k)
		}
	}
	return out, nil
}

// Add appends a result.
func (rl *ResourceList) Add(sev Severity, message string) {
	rl.Results = append(rl.Results, Result{Message: message, Severity: sev})
}

// Error adds a result of severity error (the build fails).
func (rl *ResourceList) Error(message string) { rl.Add(SeverityError, message) }

// Warning adds a result of severity warning.
func (rl *ResourceList) Warning(message string) { rl.Add(SeverityWarning, message) }

// Info adds a result of severity info.
func (rl *ResourceList) Info(message string) { rl.Add(SeverityInfo, message) }

// ResultFor adds a result about one item.
func (rl *ResourceList) ResultFor(sev Severity, item *Resource, message string) {
	rl.Results = append(rl.Results, Result{Message: message, Severity: sev, ResourceRef: item.Ref()})
}

// HasErrors says whether a result of severity error was added.
func (rl *ResourceList) HasErrors() bool {
	for _, r := range rl.Results {
		if r.Severity == SeverityError {
			return true
		}
	}
	return false
}

func decodeObject(text []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("null")
	}
	return obj, nil
}

// Parse reads a JSON ResourceList (what Strata sends). Items are only delimited here,
// by a byte scan that follows strings and brackets (encoding/json's scanner costs
// about ten times as much in wasm); an item is parsed when the plugin reads it, and
// the host checks everything the plugin writes back.
func Parse(input []byte) (*ResourceList, error) {
	b := bytes.TrimSpace(input)
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("the input is not a JSON ResourceList (the Go SDK reads JSON, which Strata sends)")
	}
	rl := &ResourceList{}
	kind := ""
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		keyEnd, err := skipValue(b, i)
		if err != nil || b[i] != '"' {
			return nil, fmt.Errorf("reading the ResourceList: expected a key at offset %d", i)
		}
		var key string
		if err := json.Unmarshal(b[i:keyEnd], &key); err != nil {
			return nil, fmt.Errorf("reading the ResourceList: %w", err)
		}
		i = skipSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return nil, fmt.Errorf("reading the ResourceList: expected ':' at offset %d", i)
		}
		i = skipSpace(b, i+1)
		end, err := skipValue(b, i)
		if err != nil {
			return nil, fmt.Errorf("reading the ResourceList: %w", err)
		}
		switch key {
		case "items":
			if rl.Items, err = splitItems(b[i:end]); err != nil {
				return nil, fmt.Errorf("reading the ResourceList: %w", err)
			}
		case "functionConfig":
			if string(b[i:end]) != "null" {
				cfg, err := decodeObject(b[i:end])
				if err != nil {
					return nil, fmt.Errorf("functionConfig: %w", err)
				}
				rl.FunctionConfig = cfg
			}
		case "kind":
			if err := json.Unmarshal(b[i:end], &kind); err != nil {
				return nil, fmt.Errorf("reading the ResourceList: kind: %w", err)
			}
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		} else if i >= len(b) || b[i] != '}' {
			return nil, fmt.Errorf("reading the ResourceList: expected ',' or '}' at offset %d", i)
		}
	}
	if kind != "ResourceList" {
		return nil, fmt.Errorf("the input is a %q, not a ResourceList", kind)
	}
	return rl, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipValue returns where the JSON value starting at b[i] ends.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, fmt.Errorf("unexpected end of input")
	}
	switch b[i] {
	case '"':
		// Strings are most of the bytes: jump from quote to quote (IndexByte is
		// assembly on wasm too), and take a quote after an odd run of backslashes as
		// escaped.
		for j := i + 1; j < len(b); {
			k := bytes.IndexByte(b[j:], '"')
			if k < 0 {
				break
			}
			q := j + k
			n := 0
			for n < q-i-1 && b[q-1-n] == '\\' {
				n++
			}
			if n%2 == 0 {
				return q + 1, nil
			}
			j = q + 1
		}
		return len(b), fmt.Errorf("unterminated string at offset %d", i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipValue(b, j)
				if err != nil {
					return end, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return len(b), fmt.Errorf("unclosed %q at offset %d", b[i], i)
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		if j == i {
			return i, fmt.Errorf("expected a value at offset %d", i)
		}
		return j, nil
	}
}

// splitItems cuts a JSON array into its elements' texts.
func splitItems(b []byte) ([]*Resource, error) {
	if len(b) == 0 || b[0] != '[' {
		if string(b) == "null" {
			return nil, nil
		}
		return nil, fmt.Errorf("items is not a list")
	}
	var items []*Resource
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != ']' {
		end, err := skipValue(b, i)
		if err != nil {
			return nil, err
		}
		items = append(items, &Resource{raw: b[i:end]})
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return items, nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Output writes the ResourceList as JSON: unchanged items as their input text.
func (rl *ResourceList) Output() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[`)
	for i, it := range rl.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		if raw := it.Raw(); raw != nil {
			b.Write(raw)
			continue
		}
		text, err := marshal(it.obj)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		b.Write(text)
	}
	b.WriteByte(']')
	if len(rl.Results) > 0 {
		text, err := marshal(rl.Results)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"results":`)
		b.Write(text)
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// Process runs fn over a ResourceList and returns the output bytes, or the error
// that ends the plugin.
func Process(input []byte, fn func(*ResourceList) error) ([]byte, error) {
	rl, err := Parse(input)
	if err != nil {
		return nil, err
	}
	if err := fn(rl); err != nil {
		return nil, err
	}
	return rl.Output()
}

// Run is the plugin's main: reads stdin, runs fn, writes stdout. An error is printed
// on stderr and ends the plugin with exit code 1; results of severity error are
// written to stdout and also end it with exit code 1.
func Run(fn func(*ResourceList) error) {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(fmt.Errorf("reading stdin: %w", err))
	}
	failed := false
	out, err := Process(input, func(rl *ResourceList) error {
		if err := fn(rl); err != nil {
			return err
		}
		failed = rl.HasErrors()
		return nil
	})
	if err != nil {
		fail(err)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fail(fmt.Errorf("writing stdout: %w", err))
	}
	if failed {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
