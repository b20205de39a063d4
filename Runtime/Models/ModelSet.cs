using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Models
{
    /// <summary>
    /// A model-set folder (ARCHITECTURE §4): its index, its files and their contract checks. Opening checks the
    /// index and that every required file is there; <see cref="Validate"/> loads each model and checks its
    /// inputs and outputs; <see cref="CreateSession"/> checks the one model it loads.
    /// </summary>
    public sealed class ModelSet
    {
        public string Folder { get; }
        public ModelIndex Index { get; }
        /// <summary>Names of optional extra ControlNets (folders controlnet_&lt;name&gt;/).</summary>
        public IReadOnlyList<string> ExtraControlNets { get; }

        ModelSet(string folder, ModelIndex index, IReadOnlyList<string> extras)
        {
            Folder = folder; Index = index; ExtraControlNets = extras;
        }

        /// <summary>Opens a set: reads model_index.json and checks every required file exists and is not empty.</summary>
        public static ModelSet Open(string folder)
        {
            if (string.IsNullOrWhiteSpace(folder))
                throw new ModelSetException("(empty path)", new[] { "no model set folder was given" });
            folder = Path.GetFullPath(folder);
            if (File.Exists(folder))
                throw new ModelSetException(folder, new[] { "this is a file, not a folder: pass the folder that holds model_index.json" });
            if (!Directory.Exists(folder))
                throw new ModelSetException(folder, new[] { "the folder does not exist" });

            var problems = new List<string>();
            ModelIndex? index = null;
            try { index = ModelIndex.Load(folder); }
            catch (ModelSetException e) { problems.AddRange(e.Problems); }

            foreach (var spec in ModelContract.Models)
                CheckFile(folder, spec.RelativePath, spec.Required, problems);
            foreach (var tokenizer in new[] { "tokenizer", "tokenizer_2" })
                foreach (var file in new[] { "vocab.json", "merges.txt" })
                    CheckFile(folder, tokenizer + "/" + file, true, problems);

            var extras = Directory.GetDirectories(folder, ModelContract.ExtraControlNetPrefix + "*")
                .Select(d => Path.GetFileName(d).Substring(ModelContract.ExtraControlNetPrefix.Length))
                .Where(n => n.Length > 0)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToArray();
            foreach (var name in extras)
                CheckFile(folder, ModelContract.ExtraControlNet(name).RelativePath, true, problems);

            if (problems.Count > 0) throw new ModelSetException(folder, problems);
            return new ModelSet(folder, index!, extras);
        }

        static void CheckFile(string folder, string relative, bool required, List<string> problems)
        {
            var path = Path.Combine(folder, relative);
            if (Directory.Exists(path))
                problems.Add($"{relative} is a folder, not a file: copy the file itself there");
            else if (!File.Exists(path))
            {
                if (required) problems.Add($"{relative} is missing");
            }
            else if (new FileInfo(path).Length == 0)
                problems.Add($"{relative} is empty (0 bytes): the export or copy was interrupted; export it again");
        }

        /// <summary>Full path of a model file.</summary>
        public string PathOf(ModelKind kind) => Path.Combine(Folder, ModelContract.Get(kind).RelativePath);

        /// <summary>Whether the set has the model (the VAE encoder is optional).</summary>
        public bool Has(ModelKind kind) => File.Exists(PathOf(kind));

        /// <summary>Folder of a tokenizer: "tokenizer" or "tokenizer_2".</summary>
        public string TokenizerFolder(int encoder) => Path.Combine(Folder, encoder == 1 ? "tokenizer" : "tokenizer_2");

        /// <summary>Loads a model with the factory and checks it against the contract.</summary>
        public InferenceSession CreateSession(ModelKind kind, OrtSessionFactory factory) =>
            Load(ModelContract.Get(kind), factory);

        /// <summary>Loads an extra ControlNet (controlnet_&lt;name&gt;/) and checks it.</summary>
        public InferenceSession CreateExtraControlNetSession(string name, OrtSessionFactory factory)
        {
            if (!ExtraControlNets.Contains(name))
                throw new InstantIdException($"The model set has no ControlNet named '{name}' (has: {(ExtraControlNets.Count == 0 ? "none" : string.Join(", ", ExtraControlNets))}). "
                                             + $"Add a {ModelContract.ExtraControlNetPrefix}{name}/ folder with Tools~/export --extra-controlnet.");
            return Load(ModelContract.ExtraControlNet(name), factory);
        }

        InferenceSession Load(ModelSpec spec, OrtSessionFactory factory)
        {
            var path = Path.Combine(Folder, spec.RelativePath);
            if (!File.Exists(path))
                throw new ModelSetException(Folder, new[] { $"{spec.RelativePath} is missing" });
            InferenceSession session;
            try { session = factory.Create(path); }
            catch (OnnxRuntimeException e)
            {
                throw new ModelSetException(Folder, new[] { $"{spec.RelativePath} cannot be loaded by ONNX Runtime ({FirstLine(e.Message)}); it may be truncated or from an unsupported opset: export it again" });
            }
            var problems = ModelSignatureChecker.Check(spec, ModelSignature.Of(session), Index.IsFloat16);
            if (problems.Count > 0)
            {
                session.Dispose();
                throw new ModelSetException(Folder, problems);
            }
            return session;
        }

        /// <summary>
        /// Loads every model on the CPU (no graph optimisation, so it is quick and needs no GPU) and checks each
        /// against the contract and against each other; throws one <see cref="ModelSetException"/> listing all
        /// problems, or returns the signatures.
        /// </summary>
        public IReadOnlyDictionary<string, ModelSignature> Validate()
        {
            var problems = new List<string>();
            var signatures = new Dictionary<string, ModelSignature>();
            var specs = ModelContract.Models.Where(s => s.Required || File.Exists(Path.Combine(Folder, s.RelativePath)))
                .Concat(ExtraControlNets.Select(ModelContract.ExtraControlNet));
            foreach (var spec in specs)
            {
                var path = Path.Combine(Folder, spec.RelativePath);
                try
                {
                    using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
                    using var session = new InferenceSession(path, options);
                    var signature = ModelSignature.Of(session);
                    signatures[spec.RelativePath] = signature;
                    problems.AddRange(ModelSignatureChecker.Check(spec, signature, Index.IsFloat16));
                }
                catch (OnnxRuntimeException e)
                {
                    problems.Add($"{spec.RelativePath} cannot be loaded by ONNX Runtime ({FirstLine(e.Message)}); it may be truncated or not an ONNX file: export it again");
                }
            }
            if (problems.Count == 0) problems.AddRange(CrossCheck(signatures));
            if (problems.Count > 0) throw new ModelSetException(Folder, problems);
            return signatures;
        }

        /// <summary>Checks that the models fit together (residual counts, token widths).</summary>
        static IEnumerable<string> CrossCheck(Dictionary<string, ModelSignature> s)
        {
            var unet = s[ModelContract.Get(ModelKind.UNet).RelativePath];
            int unetResiduals = unet.Family(unet.Inputs, "down_block_additional_residual_").Count;
            foreach (var pair in s.Where(p => p.Key.StartsWith("controlnet")))
            {
                int n = pair.Value.Family(pair.Value.Outputs, "down_block_res_sample_").Count;
                if (n != unetResiduals)
                    yield return $"{pair.Key} gives {n} down-block residuals but unet/model.onnx takes {unetResiduals}: they come from different base models";
            }
            int unetWidth = LastDim(unet.Input("encoder_hidden_states"));
            var proj = s[ModelContract.Get(ModelKind.ImageProjection).RelativePath];
            int tokenWidth = LastDim(proj.Output("image_prompt_embeds"));
            if (unetWidth > 0 && tokenWidth > 0 && unetWidth != tokenWidth)
                yield return $"image_proj/model.onnx makes tokens {tokenWidth} wide but unet/model.onnx expects {unetWidth}";
            int text1 = LastDim(s[ModelContract.Get(ModelKind.TextEncoder).RelativePath].Output("last_hidden_state"));
            int text2 = LastDim(s[ModelContract.Get(ModelKind.TextEncoder2).RelativePath].Output("last_hidden_state"));
            if (unetWidth > 0 && text1 > 0 && text2 > 0 && text1 + text2 != unetWidth)
                yield return $"the text encoders give {text1}+{text2} = {text1 + text2} wide embeddings but unet/model.onnx expects {unetWidth}";
        }

        static int LastDim(TensorInfo? t) => t == null || t.Dimensions.Count == 0 ? -1 : t.Dimensions[t.Dimensions.Count - 1];

        static string FirstLine(string s)
        {
            var i = s.IndexOf('\n');
            return i < 0 ? s : s.Substring(0, i);
        }
    }
}
