// set-labels: a KRM function in AssemblyScript. It sets the labels the functionConfig
// lists under `labels:` on every item's metadata.labels, and reports how many items it
// changed.

import { run, ResourceList, Obj, Str } from "../../../sdk-as/assembly/krm";

function setLabels(rl: ResourceList): void {
  const cfg = rl.config(["labels"]);
  if (cfg == null || !(cfg instanceof Obj) || changetype<Obj>(cfg).keys.length == 0) {
    rl.addError("no labels to set: give them under `labels:` in the functionConfig");
    return;
  }
  const labels = changetype<Obj>(cfg);
  for (let k = 0; k < labels.keys.length; k++) {
    if (!(labels.values[k] instanceof Str)) {
      rl.addError("labels." + labels.keys[k] + " is not a string");
      return;
    }
  }
  let changed = 0;
  for (let i = 0; i < rl.items.length; i++) {
    const item = rl.items[i];
    let same = true;
    for (let k = 0; k < labels.keys.length; k++) {
      const want = changetype<Str>(labels.values[k]).value;
      if (item.getString(["metadata", "labels", labels.keys[k]]) != want) same = false;
    }
    if (same) continue;
    for (let k = 0; k < labels.keys.length; k++) {
      const want = changetype<Str>(labels.values[k]).value;
      if (!item.setString(["metadata", "labels", labels.keys[k]], want)) {
        rl.resultFor("error", item, "metadata.labels is not a map");
        return;
      }
    }
    changed++;
  }
  rl.addInfo("set " + labels.keys.length.toString() + " label(s) on " + changed.toString() + " of " + rl.items.length.toString() + " resource(s)");
}

run(setLabels);
