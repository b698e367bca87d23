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
