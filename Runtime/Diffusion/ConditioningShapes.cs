using System;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// The shape checks the UNet and ControlNet runners and conditionings share: the SDXL inputs both models take
    /// (sample, encoder_hidden_states, text_embeds, time_ids), batched for CFG.
    /// </summary>
    internal static class ConditioningShapes
    {
        /// <summary>Checks <paramref name="sample"/> is [B,C,h,w] and returns C.</summary>
        internal static int SampleChannels(ReadOnlySpan<float> sample, int batch, int latentHeight, int latentWidth)
        {
            int channels = sample.Length / (batch * latentHeight * latentWidth);
            if (channels * batch * latentHeight * latentWidth != sample.Length)
                throw new ArgumentException($"sample of {sample.Length} values is not [{batch},C,{latentHeight},{latentWidth}]", nameof(sample));
            return channels;
        }

        /// <summary>Checks <paramref name="encoderHiddenStates"/> is [B,T,C] and returns C.</summary>
        internal static int HiddenSize(int batch, float[] encoderHiddenStates, int sequenceLength)
        {
            if (sequenceLength < 1 || encoderHiddenStates.Length == 0 || encoderHiddenStates.Length % (batch * sequenceLength) != 0)
                throw new ArgumentException($"encoder hidden states of {encoderHiddenStates.Length} values are not [{batch},{sequenceLength},C]", nameof(encoderHiddenStates));
            return encoderHiddenStates.Length / (batch * sequenceLength);
        }

        /// <summary>Checks the SDXL added conditions: text embeds [B,P] and time ids [B,6].</summary>
        internal static void CheckAddedConditions(int batch, float[] textEmbeds, float[] timeIds)
        {
            if (textEmbeds.Length == 0 || textEmbeds.Length % batch != 0)
                throw new ArgumentException($"text embeds of {textEmbeds.Length} values are not [{batch},P]", nameof(textEmbeds));
            if (timeIds.Length != batch * 6)
                throw new ArgumentException($"time ids of {timeIds.Length} values are not [{batch},6]", nameof(timeIds));
        }
    }
}
