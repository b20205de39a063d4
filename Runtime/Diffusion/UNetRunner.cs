using InstantIdAvatars.Models;
using System;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>Per-generation UNet inputs that stay the same every step (already batched for CFG).</summary>
    /// <remarks>A runner copies them into its native buffers once per instance: do not modify the arrays after the first run.</remarks>
    public sealed class UNetConditioning
    {
        /// <param name="batch">Batch size B (2 with classifier-free guidance: row 0 unconditional, row 1 conditional).</param>
        /// <param name="encoderHiddenStates">[B,77k+16,C]: prompt embeddings followed by the identity tokens on the
        /// sequence axis (InstantID's <c>cat([prompt_embeds, prompt_image_emb], dim=1)</c>).</param>
        /// <param name="sequenceLength">77k + 16.</param>
        /// <param name="textEmbeds">[B,P] pooled text embeddings.</param>
        /// <param name="timeIds">[B,6] SDXL micro-conditioning.</param>
        public UNetConditioning(int batch, float[] encoderHiddenStates, int sequenceLength, float[] textEmbeds, float[] timeIds)
        {
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch));
            EncoderHiddenStates = encoderHiddenStates ?? throw new ArgumentNullException(nameof(encoderHiddenStates));
            TextEmbeds = textEmbeds ?? throw new ArgumentNullException(nameof(textEmbeds));
            TimeIds = timeIds ?? throw new ArgumentNullException(nameof(timeIds));
            HiddenSize = ConditioningShapes.HiddenSize(batch, encoderHiddenStates, sequenceLength);
            ConditioningShapes.CheckAddedConditions(batch, textEmbeds, timeIds);
            Batch = batch;
            SequenceLength = sequenceLength;
        }

        public int Batch { get; }
        public float[] EncoderHiddenStates { get; }
        public int SequenceLength { get; }
        public int HiddenSize { get; }
        public float[] TextEmbeds { get; }
        public float[] TimeIds { get; }
    }

    /// <summary>
    /// Runs the InstantID UNet export of the model-set contract (<c>unet/model.onnx</c>): sample, timestep,
    /// encoder_hidden_states (text then identity tokens), text_embeds, time_ids, ip_adapter_scale,
    /// down_block_additional_residual_0..N-1, mid_block_additional_residual → out_sample. The session belongs to the
    /// caller; buffers are reused between steps.
    /// </summary>
    public sealed class UNetRunner : IDisposable
    {
        readonly SessionIo _io;
        readonly string[] _downNames;
        UNetConditioning? _bound;

        /// <summary>Wraps <paramref name="session"/> (not owned) and checks its inputs and outputs against the contract.</summary>
        public UNetRunner(InferenceSession session, string label = "unet")
        {
            _io = new SessionIo(session, label);
            _io.RequireInputs("sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids", "ip_adapter_scale", "mid_block_additional_residual");
            _io.RequireOutputs("out_sample");
            int count = 0;
            while (_io.HasInput("down_block_additional_residual_" + count)) count++;
            if (count == 0) _io.RequireInputs("down_block_additional_residual_0");
            _downNames = new string[count];
            for (int i = 0; i < count; i++) _downNames[i] = "down_block_additional_residual_" + i;
            DownResidualCount = count;
        }

        /// <summary>Number of down-block residual inputs (9 for SDXL).</summary>
        public int DownResidualCount { get; }

        /// <summary>
        /// One UNet call; writes the noise prediction ([B,4,h,w], same layout as <paramref name="sample"/>) into
        /// <paramref name="noisePred"/>. Without <paramref name="residuals"/> the residual inputs are zero, which is
        /// exactly the UNet without ControlNet.
        /// </summary>
        public void Run(ReadOnlySpan<float> sample, int latentHeight, int latentWidth, float timestep, float ipAdapterScale,
            UNetConditioning conditioning, ControlNetResiduals? residuals, Span<float> noisePred)
        {
            if (conditioning == null) throw new ArgumentNullException(nameof(conditioning));
            int b = conditioning.Batch;
            int channels = ConditioningShapes.SampleChannels(sample, b, latentHeight, latentWidth);
            if (noisePred.Length != sample.Length)
                throw new ArgumentException("noisePred must be as long as sample", nameof(noisePred));

            _io.Write("sample", sample, b, channels, latentHeight, latentWidth);
            _io.WriteScalar("timestep", timestep);
            _io.WriteScalar("ip_adapter_scale", ipAdapterScale);
            if (!ReferenceEquals(_bound, conditioning))
            {
                _io.Write("encoder_hidden_states", conditioning.EncoderHiddenStates, b, conditioning.SequenceLength, conditioning.HiddenSize);
                _io.Write("text_embeds", conditioning.TextEmbeds, b, conditioning.TextEmbeds.Length / b);
                _io.Write("time_ids", conditioning.TimeIds, b, 6);
                _bound = conditioning;
            }

            if (residuals != null && residuals.HasValues)
            {
                if (residuals.DownCount != DownResidualCount)
                    throw new ModelBindingException($"The {_io.Label} model takes {DownResidualCount} down residuals but the ControlNet gave {residuals.DownCount}; the ControlNet and the UNet must come from the same base model.");
                if (residuals.TryGetNative(out var down, out var mid) && CanBorrow(down, mid))
                {
                    // One ControlNet, same element types: bind its output tensors directly (no host round trip).
                    for (int i = 0; i < _downNames.Length; i++) _io.Borrow(_downNames[i], down[i]);
                    _io.Borrow("mid_block_additional_residual", mid);
                }
                else
                {
                    for (int i = 0; i < _downNames.Length; i++)
                        _io.Write(_downNames[i], residuals.Down(i), residuals.DownShape(i).ToArray());
                    _io.Write("mid_block_additional_residual", residuals.Mid, residuals.MidShape.ToArray());
                }
            }
            else
            {
                for (int i = 0; i < _downNames.Length; i++)
                    _io.Input(_downNames[i], ZeroResidualShape(_downNames[i], i / 3, b, latentHeight, latentWidth)).Fill(0f);
                _io.Input("mid_block_additional_residual", ZeroResidualShape("mid_block_additional_residual", (_downNames.Length - 1) / 3, b, latentHeight, latentWidth)).Fill(0f);
            }
            _io.Run();
            _io.Output("out_sample").Read(noisePred);
        }

        bool CanBorrow(OrtTensor[] down, OrtTensor mid)
        {
            for (int i = 0; i < _downNames.Length; i++)
                if (down[i].ElementType != _io.InputElementType(_downNames[i])) return false;
            return mid.ElementType == _io.InputElementType("mid_block_additional_residual");
        }

        // Shape of a residual when no ControlNet runs: channels from the model; spatial size halves per down block
        // (SDXL: 3 residuals per resolution, conv_in + 2 resnets, then each Downsample2D; stride-2 conv = ceil).
        long[] ZeroResidualShape(string name, int level, int batch, int latentHeight, int latentWidth)
        {
            var dims = _io.InputDimensions(name);
            if (dims.Length != 4 || dims[1] <= 0)
                throw new ModelBindingException($"The {_io.Label} model's input '{name}' must be [B,C,h,w] with a fixed channel count C to run without a ControlNet.");
            long h = dims[2] > 0 ? dims[2] : CeilShift(latentHeight, level);
            long w = dims[3] > 0 ? dims[3] : CeilShift(latentWidth, level);
            return new long[] { batch, dims[1], h, w };
        }

        static long CeilShift(int value, int level)
        {
            long v = value;
            for (int i = 0; i < level; i++) v = (v + 1) / 2;
            return v;
        }

        /// <summary>Frees the native buffers (not the session).</summary>
        public void Dispose() => _io.Dispose();
    }
}
