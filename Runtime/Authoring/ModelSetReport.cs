using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using InstantIdAvatars.Models;

namespace InstantIdAvatars.Authoring
{
    /// <summary>State of one model file in a <see cref="ModelSetReport"/>.</summary>
    public enum ModelRowStatus
    {
        /// <summary>Loaded and matches the contract.</summary>
        Ok,
        /// <summary>Optional and not in the set (e.g. the VAE encoder).</summary>
        Absent,
        /// <summary>Required but missing.</summary>
        Missing,
        /// <summary>Present but empty, unloadable or not matching the contract (see <see cref="ModelSetRow.Problems"/>).</summary>
        Problem,
        /// <summary>Not loaded, because the set failed before the models were checked (e.g. a bad model_index.json).</summary>
        NotChecked,
    }

    /// <summary>One model of the set: its file, inputs and outputs as ONNX Runtime reports them, and its status.</summary>
    public sealed class ModelSetRow
    {
        internal ModelSetRow(string model, bool required, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
            ModelRowStatus status, IReadOnlyList<string> problems)
        {
            Model = model;
            Required = required;
            Inputs = inputs;
            Outputs = outputs;
            Status = status;
            Problems = problems;
        }

        /// <summary>Path inside the set, e.g. "unet/model.onnx".</summary>
        public string Model { get; }

        /// <summary>Whether the contract requires the model.</summary>
        public bool Required { get; }

        /// <summary>Inputs as "name type [dims]" ("?" = dynamic); empty when the model was not read.</summary>
        public IReadOnlyList<string> Inputs { get; }

        /// <summary>Outputs as "name type [dims]"; empty when the model was not read.</summary>
        public IReadOnlyList<string> Outputs { get; }

        /// <summary>The model's state.</summary>
        public ModelRowStatus Status { get; }

        /// <summary>The set's problems that name this model.</summary>
        public IReadOnlyList<string> Problems { get; }
    }

    /// <summary>
    /// What the model-set inspector shows for a folder: one row per model of the contract (ARCHITECTURE §4) plus
    /// extra ControlNets, the index summary, the execution providers this ONNX Runtime build has, and every problem
    /// found. Checking loads each model once on the CPU (<see cref="ModelSet.Validate"/>); the models' inputs and
    /// outputs are listed when the whole set is valid, and problems are listed otherwise.
    /// </summary>
    public sealed class ModelSetReport
    {
        ModelSetReport(string folder, IReadOnlyList<ModelSetRow> rows, IReadOnlyList<string> problems, IReadOnlyList<string> providers, ModelIndex? index,
            IReadOnlyList<string> extras)
        {
            Folder = folder;
            Rows = rows;
            Problems = problems;
            Providers = providers;
            Index = index;
            ExtraControlNets = extras;
        }

        /// <summary>The folder inspected (full path).</summary>
        public string Folder { get; }

        /// <summary>One row per model file, in contract order, then extra ControlNets.</summary>
        public IReadOnlyList<ModelSetRow> Rows { get; }

        /// <summary>Every problem found (empty when the set is valid).</summary>
        public IReadOnlyList<string> Problems { get; }

        /// <summary>True when the set can be used.</summary>
        public bool IsValid => Problems.Count == 0;

        /// <summary>Execution providers of this ONNX Runtime build (<see cref="OrtSessionFactory.AvailableProviders"/>).</summary>
        public IReadOnlyList<string> Providers { get; }

        /// <summary>The parsed model_index.json, or null when it could not be read.</summary>
        public ModelIndex? Index { get; }

        /// <summary>Names of the extra ControlNets (controlnet_&lt;name&gt;/).</summary>
        public IReadOnlyList<string> ExtraControlNets { get; }

        /// <summary>One line about the set, e.g. "float16, 1024×1024, 16 image tokens, extra ControlNets: depth".</summary>
        public string Summary => Index == null
            ? "model_index.json could not be read"
            : $"{Index.DType}, {Index.DefaultWidth}×{Index.DefaultHeight}, {Index.ImageTokens} image tokens, face detector {Index.FaceDetSize}, extra ControlNets: "
              + (ExtraControlNets.Count == 0 ? "none" : string.Join(", ", ExtraControlNets));

        /// <summary>Inspects a model-set folder. Never throws for a broken set: its problems are in the report.</summary>
        public static ModelSetReport Inspect(string folder)
        {
            var providers = OrtSessionFactory.AvailableProviders();
            var full = string.IsNullOrWhiteSpace(folder) ? "" : SafeFullPath(folder);
            ModelSet set;
            try { set = ModelSet.Open(folder); }
            catch (ModelSetException e)
            {
                ModelIndex? index = null;
                try { if (full.Length > 0 && Directory.Exists(full)) index = ModelIndex.Load(full); }
                catch (InstantIdException) { /* already among the problems */ }
                return new ModelSetReport(full, RowsFrom(ModelContract.Models, e.Problems, null, true, full.Length > 0 && Directory.Exists(full) ? full : null), e.Problems, providers, index, Array.Empty<string>());
            }

            var specs = ModelContract.Models.Concat(set.ExtraControlNets.Select(ModelContract.ExtraControlNet)).ToArray();
            try
            {
                var signatures = set.Validate();
                return new ModelSetReport(set.Folder, RowsFrom(specs, Array.Empty<string>(), signatures, false, set.Folder), Array.Empty<string>(), providers,
                    set.Index, set.ExtraControlNets);
            }
            catch (ModelSetException e)
            {
                return new ModelSetReport(set.Folder, RowsFrom(specs, e.Problems, null, false, set.Folder), e.Problems, providers, set.Index, set.ExtraControlNets);
            }
        }

        static string SafeFullPath(string folder)
        {
            try { return Path.GetFullPath(folder); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException) { return folder; }
        }

        static IReadOnlyList<ModelSetRow> RowsFrom(IEnumerable<ModelSpec> specs, IReadOnlyList<string> problems,
            IReadOnlyDictionary<string, ModelSignature>? signatures, bool openFailed, string? folder = null)
        {
            var rows = new List<ModelSetRow>();
            foreach (var spec in specs)
            {
                var path = spec.RelativePath;
                // ModelSet's problems start with the file they are about ("unet/model.onnx is missing", "unet/model.onnx: …").
                var mine = problems.Where(p => p.StartsWith(path + " ", StringComparison.Ordinal) || p.StartsWith(path + ":", StringComparison.Ordinal)).ToArray();
                ModelRowStatus status;
                if (mine.Any(p => p == path + " is missing")) status = ModelRowStatus.Missing;
                else if (mine.Length > 0) status = ModelRowStatus.Problem;
                else if (!spec.Required && folder != null && !File.Exists(Path.Combine(folder, path))) status = ModelRowStatus.Absent;
                else if (openFailed) status = ModelRowStatus.NotChecked;
                else status = ModelRowStatus.Ok;
                IReadOnlyList<string> inputs = Array.Empty<string>(), outputs = Array.Empty<string>();
                if (signatures != null && signatures.TryGetValue(path, out var signature))
                {
                    inputs = signature.Inputs.Select(t => t.ToString()).ToArray();
                    outputs = signature.Outputs.Select(t => t.ToString()).ToArray();
                }
                rows.Add(new ModelSetRow(path, spec.Required, inputs, outputs, status, mine));
            }
            return rows;
        }
    }
}
