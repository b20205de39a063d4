using System.Collections.Generic;
using System.Linq;

namespace InstantIdAvatars.Models
{
    /// <summary>The models of a set (ARCHITECTURE §4).</summary>
    public enum ModelKind
    {
        TextEncoder,
        TextEncoder2,
        ImageProjection,
        ControlNet,
        UNet,
        VaeDecoder,
        VaeEncoder,
        FaceDetector,
        FaceRecognizer,
    }

    /// <summary>The element type a contract tensor may have.</summary>
    enum TensorKind
    {
        /// <summary>float32, or float16 in a float16 set.</summary>
        Float,
        /// <summary>always float32 (timestep, scales, face models).</summary>
        Float32,
        Int32,
    }

    /// <summary>One named tensor of the contract. A name ending in '*' stands for a numbered family (…_0, …_1, …).</summary>
    sealed class TensorSpec
    {
        public string Name { get; }
        public int Rank { get; }
        public TensorKind Kind { get; }
        /// <summary>For the face models: the contract fixes only the count and order, not the names.</summary>
        public bool AnyName { get; }

        public TensorSpec(string name, int rank, TensorKind kind, bool anyName = false)
        {
            Name = name; Rank = rank; Kind = kind; AnyName = anyName;
        }

        public bool IsFamily => Name.EndsWith("*");
        public string Prefix => Name.TrimEnd('*');

        public bool Matches(string name) => IsFamily
            ? name.StartsWith(Prefix) && int.TryParse(name.Substring(Prefix.Length), out var n) && n >= 0
            : name == Name;
    }

    /// <summary>What the runtime expects of one model file.</summary>
    sealed class ModelSpec
    {
        public ModelKind Kind { get; }
        /// <summary>Path relative to the set folder, with '/' separators.</summary>
        public string RelativePath { get; }
        public bool Required { get; }
        public IReadOnlyList<TensorSpec> Inputs { get; }
        public IReadOnlyList<TensorSpec> Outputs { get; }

        public ModelSpec(ModelKind kind, string path, bool required, TensorSpec[] inputs, TensorSpec[] outputs)
        {
            Kind = kind; RelativePath = path; Required = required; Inputs = inputs; Outputs = outputs;
        }
    }

    /// <summary>The model-set contract as data, so the validator, the docs and the tests share one source.</summary>
    static class ModelContract
    {
        static TensorSpec F(string name, int rank) => new TensorSpec(name, rank, TensorKind.Float);
        static TensorSpec F32(string name, int rank) => new TensorSpec(name, rank, TensorKind.Float32);

        public static readonly IReadOnlyList<ModelSpec> Models = new[]
        {
            new ModelSpec(ModelKind.TextEncoder, "text_encoder/model.onnx", true,
                new[] { new TensorSpec("input_ids", 2, TensorKind.Int32) },
                new[] { F("last_hidden_state", 3), F("pooler_output", 2), F("hidden_states.*", 3) }),
            new ModelSpec(ModelKind.TextEncoder2, "text_encoder_2/model.onnx", true,
                new[] { new TensorSpec("input_ids", 2, TensorKind.Int32) },
                new[] { F("text_embeds", 2), F("last_hidden_state", 3), F("hidden_states.*", 3) }),
            new ModelSpec(ModelKind.ImageProjection, "image_proj/model.onnx", true,
                new[] { F("face_embeds", 3) },
                new[] { F("image_prompt_embeds", 3) }),
            new ModelSpec(ModelKind.ControlNet, "controlnet/model.onnx", true,
                new[] { F("sample", 4), F32("timestep", 1), F("encoder_hidden_states", 3), F("controlnet_cond", 4),
                        F32("conditioning_scale", 1), F("text_embeds", 2), F("time_ids", 2) },
                new[] { F("down_block_res_sample_*", 4), F("mid_block_res_sample", 4) }),
            new ModelSpec(ModelKind.UNet, "unet/model.onnx", true,
                new[] { F("sample", 4), F32("timestep", 1), F("encoder_hidden_states", 3), F("text_embeds", 2), F("time_ids", 2),
                        F32("ip_adapter_scale", 1), F("down_block_additional_residual_*", 4), F("mid_block_additional_residual", 4) },
                new[] { F("out_sample", 4) }),
            new ModelSpec(ModelKind.VaeDecoder, "vae_decoder/model.onnx", true,
                new[] { F("latent_sample", 4) },
                new[] { F("sample", 4) }),
            new ModelSpec(ModelKind.VaeEncoder, "vae_encoder/model.onnx", false,
                new[] { F("sample", 4) },
                new[] { F("latent_sample", 4) }),
            // SCRFD and ArcFace exports name their tensors by number ("input.1", "448"): the contract fixes
            // the count and order (scores, boxes, keypoints for strides 8/16/32), as insightface reads them.
            new ModelSpec(ModelKind.FaceDetector, "face/detector.onnx", true,
                new[] { new TensorSpec("image", 4, TensorKind.Float32, anyName: true) },
                Enumerable.Range(0, 9).Select(i => new TensorSpec($"output {i}", -1, TensorKind.Float32, anyName: true)).ToArray()),
            new ModelSpec(ModelKind.FaceRecognizer, "face/recognizer.onnx", true,
                new[] { new TensorSpec("image", 4, TensorKind.Float32, anyName: true) },
                new[] { new TensorSpec("embedding", 2, TensorKind.Float32, anyName: true) }),
        };

        public static ModelSpec Get(ModelKind kind) => Models.First(m => m.Kind == kind);

        /// <summary>The folder of an extra ControlNet (depth, pose, canny…): same I/O as controlnet/.</summary>
        public const string ExtraControlNetPrefix = "controlnet_";

        public static ModelSpec ExtraControlNet(string name)
        {
            var main = Get(ModelKind.ControlNet);
            return new ModelSpec(ModelKind.ControlNet, ExtraControlNetPrefix + name + "/model.onnx", false, main.Inputs.ToArray(), main.Outputs.ToArray());
        }
    }
}
