/** Kubeconfig loading the way kubectl does it: an explicit path, `$KUBECONFIG`, or `~/.kube/config`. */
import { KubeConfig } from "@kubernetes/client-node";

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

/** Load the kubeconfig a command was told to use. */
export function loadKubeConfig(choice: KubeconfigChoice = {}): KubeConfig {
  const kc = new KubeConfig();
  if (choice.kubeconfig) kc.loadFromFile(choice.kubeconfig);
  else kc.loadFromDefault();
  if (choice.context) kc.setCurrentContext(choice.context);
  return kc;
}
