using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InstantIdAvatars.Models
{
    /// <summary>Compares a model's signature with the contract and lists every difference.</summary>
    static class ModelSignatureChecker
    {
        public static List<string> Check(ModelSpec spec, ModelSignature signature, bool float16Set)
        {
            var problems = new List<string>();
            CheckSide(spec, "input", spec.Inputs, signature.Inputs, float16Set, problems);
            CheckSide(spec, "output", spec.Outputs, signature.Outputs, float16Set, problems);
            return problems;
        }

        static void CheckSide(ModelSpec spec, string side, IReadOnlyList<TensorSpec> expected, IReadOnlyList<TensorInfo> found,
            bool float16Set, List<string> problems)
        {
            var file = spec.RelativePath;
            if (expected.All(e => e.AnyName))
            {
                // face models: count and order only
                if (found.Count != expected.Count)
                    problems.Add($"{file}: expected {expected.Count} {side}(s) ({string.Join(", ", expected.Select(e => e.Name))}), found {found.Count} ({string.Join(", ", found)})");
                for (int i = 0; i < System.Math.Min(found.Count, expected.Count); i++)
                    CheckTensor(file, side, expected[i], found[i], float16Set, problems);
                return;
            }

            foreach (var e in expected)
            {
                var matches = found.Where(f => e.Matches(f.Name)).ToArray();
                if (matches.Length == 0)
                {
                    var others = found.Where(f => !expected.Any(x => x.Matches(f.Name))).Select(f => f.Name).ToArray();
                    problems.Add($"{file}: missing {side} '{(e.IsFamily ? e.Prefix + "0.." : e.Name)}' ({RankText(e)})"
                                 + (others.Length > 0 ? $"; found instead: {string.Join(", ", others)}" : ""));
                    continue;
                }
                foreach (var m in matches) CheckTensor(file, side, e, m, float16Set, problems);
            }
            if (side == "input")
                foreach (var f in found.Where(f => !expected.Any(e => e.Matches(f.Name))))
                    problems.Add($"{file}: unexpected input '{f}' (the runtime would not feed it); expected only {string.Join(", ", expected.Select(e => e.Name))}");
        }

        static void CheckTensor(string file, string side, TensorSpec e, TensorInfo f, bool float16Set, List<string> problems)
        {
            if (e.Rank >= 0 && f.Dimensions.Count != e.Rank)
                problems.Add($"{file}: {side} '{f.Name}' must have rank {e.Rank}, found rank {f.Dimensions.Count} {f}");
            var ok = e.Kind switch
            {
                TensorKind.Int32 => f.ElementType == TensorElementType.Int32,
                TensorKind.Float32 => f.ElementType == TensorElementType.Float,
                _ => f.ElementType == TensorElementType.Float || f.ElementType == TensorElementType.Float16,
            };
            if (!ok)
                problems.Add($"{file}: {side} '{f.Name}' must be {KindText(e.Kind, float16Set)}, found {TensorInfo.ElementName(f.ElementType)}");
        }

        static string RankText(TensorSpec e) => e.Rank >= 0 ? $"rank {e.Rank}, {KindText(e.Kind, false)}" : KindText(e.Kind, false);

        static string KindText(TensorKind kind, bool float16Set) => kind switch
        {
            TensorKind.Int32 => "int32",
            TensorKind.Float32 => "float32",
            _ => float16Set ? "float16 (or float32)" : "float32 (or float16)",
        };
    }
}
