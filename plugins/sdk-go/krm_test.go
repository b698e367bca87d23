package krm

import (
	"strings"
	"testing"
)

func TestUntouchedItemsKeepTheirText(t *testing.T) {
	in := `{"kind":"ResourceList","items":[{"kind":"A","metadata":{"name":"x"},"n":0x1},{"kind":"B","metadata":{"name":"y"},"n":1.50}],"functionConfig":{"data":{"k":"v"}}}`
	in = strings.Replace(in, "0x1", "10", 1)
	out, err := Process([]byte(in), func(rl *ResourceList) error {
		if rl.ConfigString("data", "k") != "v" {
			t.Fatalf("config: %v", rl.FunctionConfig)
		}
		rl.Warning("careful")
		return rl.Items[1].SetAnnotation("a", "b")
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`{"kind":"A","metadata":{"name":"x"},"n":10}`, `"n":1.50`, `"annotations":{"a":"b"}`, `"severity":"warning"`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s not in %s", want, s)
		}
	}
}

func TestYAMLIsRefusedClearly(t *testing.T) {
	if _, err := Parse([]byte("kind: ResourceList\n")); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Fatalf("got %v", err)
	}
}

func TestItemsAreSplitAcrossStringsAndNesting(t *testing.T) {
	in := ` { "kind" : "ResourceList", "items" : [ {"a":"x}]\"{","b":[1,{"c":null}]} , {"d":-1.5e3} ], "functionConfig":null } `
	rl, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rl.Items) != 2 || string(rl.Items[0].Raw()) != `{"a":"x}]\"{","b":[1,{"c":null}]}` || string(rl.Items[1].Raw()) != `{"d":-1.5e3}` {
		t.Fatalf("items: %d", len(rl.Items))
	}
	for _, bad := range []string{`{"kind":"ResourceList","items":[{"a":1}`, `{"kind":"ResourceList","items":[{"a":"x]}`, `{"kind":"Other","items":[]}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestEscapedQuotesAndBackslashesEndStringsRightly(t *testing.T) {
	for in, want := range map[string]int{`"a\"b"x`: 6, `"a\\"x`: 5, `"\\\"" x`: 6, `""`: 2} {
		if got, err := skipValue([]byte(in), 0); err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := skipValue([]byte(`"a\"`), 0); err == nil {
		t.Error("an unterminated string was accepted")
	}
}
