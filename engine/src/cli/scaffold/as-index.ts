// @NAME@: a Strata plugin (a KRM function for wasm32-wasip1). It sets the annotation
// example.com/@NAME@ to the functionConfig's `value` on every item.

import { run, ResourceList } from "./sdk/krm";

function main(rl: ResourceList): void {
  const value = rl.configString(["value"]);
  if (value.length == 0) {
    rl.addError("functionConfig.value (a string) is required");
    return;
  }
  for (let i = 0; i < rl.items.length; i++) {
    if (!rl.items[i].setString(["metadata", "annotations", "example.com/@NAME@"], value)) {
      rl.resultFor("error", rl.items[i], "metadata.annotations is not an object");
    }
  }
}

run(main);
