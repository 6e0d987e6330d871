/**
 * Adversarial robustness of URL classifiers: perturbations that keep a phishing URL phishing, a
 * black-box greedy attack that composes them within a query budget, and the robustness and
 * quantization-divergence measures built on it.
 * {@link dev.distillery.robust.Robustness#evaluate} is the entry point; models are seen only
 * through a {@link dev.distillery.robust.Scorer}.
 */
package dev.distillery.robust;
