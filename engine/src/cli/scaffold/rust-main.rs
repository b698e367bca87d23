//! @NAME@: a Strata plugin (a KRM function for wasm32-wasip1). It sets the annotation
//! `example.com/@NAME@` to the functionConfig's `value` on every item.

fn main() {
    strata_plugin_sdk::main(|list| {
        let value = list
            .config(&["value"])
            .and_then(|v| v.as_str())
            .ok_or("functionConfig.value (a string) is required")?
            .to_string();
        for item in list.items.iter_mut() {
            let meta = item
                .as_object_mut()
                .ok_or("an item is not an object")?
                .entry("metadata")
                .or_insert_with(|| strata_plugin_sdk::json!({}));
            let notes = meta
                .as_object_mut()
                .ok_or("metadata is not an object")?
                .entry("annotations")
                .or_insert_with(|| strata_plugin_sdk::json!({}));
            notes
                .as_object_mut()
                .ok_or("metadata.annotations is not an object")?
                .insert("example.com/@NAME@".into(), value.clone().into());
        }
        Ok(())
    })
}
