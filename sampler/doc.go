// Package sampler picks the next token from a logits vector the way
// llama.cpp's default common sampler chain does, scores how confident a
// generated answer is, and finds stop strings in streamed text.
//
// # Sampling chain
//
// [Sampler.Sample] applies, in llama.cpp's default order:
//
//  1. penalties: every token seen among the last RepeatLastN accepted tokens
//     has its logit divided by RepeatPenalty when positive and multiplied by
//     it when zero or negative; then count*FrequencyPenalty + PresencePenalty
//     is subtracted (count = occurrences in the window);
//  2. top-k: keep the k highest logits (0 disables);
//  3. top-p: softmax over the survivors, keep the smallest highest-first
//     prefix whose cumulative probability is >= TopP (1 disables);
//  4. min-p: keep tokens whose probability is >= MinP times the largest
//     probability, i.e. logit >= max + ln(MinP) (0 disables);
//  5. temperature: divide the surviving logits by Temperature;
//  6. dist: softmax and draw one token with the seeded PCG generator.
//
// When Temperature <= 0 the result is greedy: the argmax of the penalized
// logits, ties going to the lowest token id (the truncation steps never
// remove the maximum, so they cannot change it). Equal logits rank lower id
// first everywhere. Exponentials are computed in float32 (relative error
// below 3e-7) and summed in float64, so decisions exactly at a threshold may
// differ from llama.cpp's float32 arithmetic; the random draws differ from
// llama.cpp's anyway (PCG instead of mt19937).
//
// Top-k selects with a size-k heap in one pass over the vocabulary. Without
// top-k, top-p finds its cut from a histogram of probability mass over
// logit bins and sorts only the boundary bin, and min-p is a linear filter,
// so no step sorts the whole vocabulary in the common cases. Sample keeps
// all scratch memory in the Sampler and does not allocate.
//
// # Confidence
//
// The confidence of an answer is the geometric mean of the probabilities
// the model gave to the tokens that were chosen, each probability taken from
// the full softmax of the raw logits at temperature 1 (before penalties,
// truncation and temperature):
//
//	score = exp( (1/n) * sum_i log p_i ),  p_i = softmax(logits_i)[token_i]
//
// It is in [0,1], equals 1 only when every token had probability 1, and is
// 0 for an empty answer. [Confidence] accumulates it with a stable
// log-sum-exp and also reports the smallest single token probability, which
// flags one weak token hidden in an otherwise confident answer. It works with
// any decoding (greedy too) and does not depend on [Sampler].
//
// # Stop strings
//
// [StopMatcher] watches streamed text for any of several stop strings,
// including ones split across chunks, and only releases text that can no
// longer turn out to be the start of a stop string.
package sampler
