// the vocabulary the server's engine defines (app/api/catalog.py), given to the page once: every
// activation, loss, optimiser, dataset and teacher's control, with its label and rules
let catalog = null;

/** the catalog for everything below: the page's, or a test's */
export function useCatalog(c) { catalog = c; }

/** the page's catalog, from the JSON the template put on its body (no inline script: the CSP) */
export function readCatalog(doc) {
  return JSON.parse(doc.body.dataset.catalog);
}

function need() {
  if (!catalog) throw new Error("no catalog: call useCatalog first");
  return catalog;
}

export const hiddenActivations = () => need().activations.filter((a) => !a.output_only).map((a) => a.name);
export const outputActivations = () => need().activations.map((a) => a.name);
export const activationLabel = (name) => need().activations.find((a) => a.name === name)?.label ?? name;
/** a = f(z) as the page writes it: "tanh(z)", "max(0, z)" */
export const activationFormula = (name) => need().activations.find((a) => a.name === name)?.formula ?? "f(z)";
/** the output activation a loss must have (bce: sigmoid), or undefined */
export const requiredOutput = (loss) => need().losses.find((l) => l.name === loss)?.requires ?? undefined;
export const defaultLoss = (task) => need().default_loss[task];
export const defaultOutput = (loss) => need().output_for_loss[loss];
export const controlLabel = (name) => need().controls[name] ?? name;
export const settingDefault = (name) => need().settings[name].default;
export const historyCap = () => need().history_cap;

// the conv page's vocabulary: the image datasets (shape, classes) and the layer kinds (settings)
export const imageDatasets = () => need().image_datasets ?? [];
export const layerKinds = () => need().layer_kinds ?? [];
/** a loss as prose names it ("mse", "bce", "cross-entropy"): its label up to the colon or bracket */
export const lossWords = (name) => (need().losses.find((l) => l.name === name)?.label ?? name).split(/:| \(/)[0].trim();
// the attention page's: the sequence datasets (shape [T, d_in], classes per position)
export const sequenceDatasets = () => need().sequence_datasets ?? [];
