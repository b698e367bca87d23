// set-annotations: a kpt-style KRM function in Go. It sets the annotations the
// functionConfig lists (a ConfigMap's `data:` or an `annotations:` map) on every
// item's metadata, and reports how many items it changed.
package main

import (
	"fmt"
	"sort"

	krm "strata.dev/plugin-sdk-go"
)

func main() {
	krm.Run(setAnnotations)
}

func setAnnotations(rl *krm.ResourceList) error {
	want, err := rl.ConfigStringMap("annotations")
	if err != nil {
		return err
	}
	if want == nil {
		if want, err = rl.ConfigStringMap("data"); err != nil {
			return err
		}
	}
	if len(want) == 0 {
		rl.Error("no annotations to set: give them under `annotations:` (or `data:` of a ConfigMap)")
		return nil
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	changed := 0
	for _, it := range rl.Items {
		same := true
		for _, k := range keys {
			if it.GetString("metadata", "annotations", k) != want[k] {
				same = false
			}
		}
		if same {
			continue
		}
		for _, k := range keys {
			if err := it.SetAnnotation(k, want[k]); err != nil {
				return fmt.Errorf("%s/%s: %w", it.Kind(), it.Name(), err)
			}
		}
		changed++
	}
	rl.Info(fmt.Sprintf("set %d annotation(s) on %d of %d resource(s)", len(keys), changed, len(rl.Items)))
	return nil
}
