// @NAME@: a Strata plugin (a KRM function for wasm32-wasip1). It sets the annotation
// example.com/@NAME@ to the functionConfig's `value` on every item.
package main

import (
	"fmt"

	krm "strata.dev/plugin-sdk-go"
)

func main() {
	krm.Run(func(rl *krm.ResourceList) error {
		value := rl.ConfigString("value")
		if value == "" {
			return fmt.Errorf("functionConfig.value (a string) is required")
		}
		for _, it := range rl.Items {
			if err := it.SetAnnotation("example.com/@NAME@", value); err != nil {
				return err
			}
		}
		return nil
	})
}
