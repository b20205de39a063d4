using InstantIdAvatars.Models;
using System;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// Per-generation inputs of a ControlNet that stay the same every step (already batched for CFG). A runner copies
    /// them into its native buffers once per instance, so do not modify the arrays after the first run.
    /// </summary>
    public sealed class ControlNetConditioning
    {
        /// <param name="batch">Batch size B (2 with classifier-free guidance).</param>
        /// <param name="encoderHiddenStates">[B,T,C]: for IdentityNet the identity tokens only (InstantID passes
        /// <c>prompt_image_emb</c>, not the prompt).</param>
        /// <param name="sequenceLength">T.</param>
        /// <param name="controlImage">[B,3,H,W] in 0..1 (the landmark image for IdentityNet).</param>
        /// <param name="imageHeight">H.</param>
        /// <param name="imageWidth">W.</param>
        /// <param name="textEmbeds">[B,P] pooled text embeddings.</param>
        /// <param name="timeIds">[B,6] SDXL micro-conditioning.</param>
        public ControlNetConditioning(int batch, float[] encoderHiddenStates, int sequenceLength, float[] controlImage,
            int imageHeight, int imageWidth, float[] textEmbeds, float[] timeIds)
        {
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch));
            EncoderHiddenStates = encoderHiddenStates ?? throw new ArgumentNullException(nameof(encoderHiddenStates));
            ControlImage = controlImage ?? throw new ArgumentNullException(nameof(controlImage));
            TextEmbeds = textEmbeds ?? throw new ArgumentNullException(nameof(textEmbeds));
            TimeIds = timeIds ?? throw new ArgumentNullException(nameof(timeIds));
            HiddenSize = ConditioningShapes.HiddenSize(batch, encoderHiddenStates, sequenceLength);
            if (controlImage.Length != (long)batch * 3 * imageHeight * imageWidth)
                throw new ArgumentException($"control image of {controlImage.Length} values is not [{batch},3,{imageHeight},{imageWidth}]", nameof(controlImage));
            ConditioningShapes.CheckAddedConditions(batch, textEmbeds, timeIds);
            Batch = batch;
            SequenceLength = sequenceLength;
            ImageHeight = imageHeight;
            ImageWidth = imageWidth;
        }

        public int Batch { get; }
        public float[] EncoderHiddenStates { get; }
        public int SequenceLength { get; }
        public int HiddenSize { get; }
        public float[] ControlImage { get; }
        public int ImageHeight { get; }
        public int ImageWidth { get; }
        public float[] TextEmbeds { get; }
        public float[] TimeIds { get; }
    }

    /// <summary>
    /// Runs a ControlNet export of the model-set contract (<c>controlnet/model.onnx</c>, also <c>controlnet_&lt;name&gt;/</c>):
    /// sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale, text_embeds, time_ids →
    /// down_block_res_sample_0..N-1, mid_block_res_sample (already multiplied by conditioning_scale, as diffusers'
    /// ControlNetModel does). The session belongs to the caller; buffers are reused between steps.
    /// </summary>
    public sealed class ControlNetRunner : IDisposable
    {
        readonly SessionIo _io;
        readonly string[] _downNames;
        readonly OrtTensor[] _downOutputs;
        ControlNetConditioning? _bound;
        ControlNetResiduals? _lastDestination;

        /// <summary>Wraps <paramref name="session"/> (not owned) and checks its inputs and outputs against the contract.</summary>
        public ControlNetRunner(InferenceSession session, string label = "controlnet")
        {
            _io = new SessionIo(session, label);
            _io.RequireInputs("sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale", "text_embeds", "time_ids");
            _io.RequireOutputs("mid_block_res_sample");
            int count = 0;
            while (_io.HasOutput("down_block_res_sample_" + count)) count++;
            if (count == 0) _io.RequireOutputs("down_block_res_sample_0");
            _downNames = new string[count];
            for (int i = 0; i < count; i++) _downNames[i] = "down_block_res_sample_" + i;
            DownResidualCount = count;
            _downOutputs = new OrtTensor[count];
        }

        /// <summary>Number of down-block residuals the model produces (9 for SDXL).</summary>
        public int DownResidualCount { get; }

        /// <summary>
        /// One ControlNet call. Makes <paramref name="destination"/> refer to the residuals (this runner's output
        /// buffers, valid until its next run), or adds them to what it holds when <paramref name="accumulate"/> is
        /// true (extra ControlNets).
        /// </summary>
        public void Run(ReadOnlySpan<float> sample, int latentHeight, int latentWidth, float timestep, float conditioningScale,
            ControlNetConditioning conditioning, ControlNetResiduals destination, bool accumulate)
        {
            if (conditioning == null) throw new ArgumentNullException(nameof(conditioning));
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (destination.DownCount != DownResidualCount)
                throw new ModelBindingException($"The {_io.Label} model has {DownResidualCount} down residuals but the residual set holds {destination.DownCount}; every ControlNet and the UNet must come from the same base model.");
            int b = conditioning.Batch;
            int channels = ConditioningShapes.SampleChannels(sample, b, latentHeight, latentWidth);

            _io.Write("sample", sample, b, channels, latentHeight, latentWidth);
            _io.WriteScalar("timestep", timestep);
            _io.WriteScalar("conditioning_scale", conditioningScale);
            if (!ReferenceEquals(_bound, conditioning))
            {
                // Step-invariant inputs are written once per conditioning object, not every step.
                _io.Write("encoder_hidden_states", conditioning.EncoderHiddenStates, b, conditioning.SequenceLength, conditioning.HiddenSize);
                _io.Write("controlnet_cond", conditioning.ControlImage, b, 3, conditioning.ImageHeight, conditioning.ImageWidth);
                _io.Write("text_embeds", conditioning.TextEmbeds, b, conditioning.TextEmbeds.Length / b);
                _io.Write("time_ids", conditioning.TimeIds, b, 6);
                _bound = conditioning;
            }
            // A set that still refers to our outputs from an earlier run keeps its values: copy them out first.
            if (_lastDestination != null && !ReferenceEquals(_lastDestination, destination)) _lastDestination.DetachFrom(_downOutputs);
            _lastDestination = destination;
            bool sum = accumulate && destination.HasValues;
            if (sum) destination.Materialize(); // before our run overwrites tensors the set may still point at
            _io.Run();

            if (!sum)
            {
                // Hand the output tensors over as they are; the UNet binds them directly when the types match.
                for (int i = 0; i < _downNames.Length; i++) _downOutputs[i] = _io.Output(_downNames[i]);
                destination.SetNative(_downOutputs, _io.Output("mid_block_res_sample"));
                return;
            }
            for (int i = 0; i < _downNames.Length; i++)
            {
                var output = _io.Output(_downNames[i]);
                output.AddTo(destination.PrepareDown(i, output.Shape, clear: false));
            }
            var mid = _io.Output("mid_block_res_sample");
            mid.AddTo(destination.PrepareMid(mid.Shape, clear: false));
            destination.MarkWritten();
        }

        /// <summary>Frees the native buffers (not the session); a residual set still using them gets a host copy first.</summary>
        public void Dispose()
        {
            _lastDestination?.DetachFrom(_downOutputs);
            _lastDestination = null;
            _io.Dispose();
        }
    }
}
