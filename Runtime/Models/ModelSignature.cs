using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InstantIdAvatars.Models
{
    /// <summary>One input or output of a loaded model, as ONNX Runtime reports it (dimension −1 = dynamic).</summary>
    public sealed class TensorInfo
    {
        public string Name { get; }
        public TensorElementType ElementType { get; }
        public IReadOnlyList<int> Dimensions { get; }

        public TensorInfo(string name, TensorElementType elementType, IReadOnlyList<int> dimensions)
        {
            Name = name; ElementType = elementType; Dimensions = dimensions;
        }

        public override string ToString() =>
            $"{Name} {ElementName(ElementType)} [{string.Join(",", Dimensions.Select(d => d < 0 ? "?" : d.ToString()))}]";

        internal static string ElementName(TensorElementType t) => t switch
        {
            TensorElementType.Float => "float32",
            TensorElementType.Float16 => "float16",
            TensorElementType.Int32 => "int32",
            TensorElementType.Int64 => "int64",
            _ => t.ToString().ToLowerInvariant(),
        };
    }

    /// <summary>The inputs and outputs of a model, in graph order.</summary>
    public sealed class ModelSignature
    {
        public IReadOnlyList<TensorInfo> Inputs { get; }
        public IReadOnlyList<TensorInfo> Outputs { get; }

        public ModelSignature(IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
        {
            Inputs = inputs; Outputs = outputs;
        }

        /// <summary>Reads the signature of a loaded session.</summary>
        public static ModelSignature Of(InferenceSession session) => new ModelSignature(
            session.InputNames.Select(n => Info(n, session.InputMetadata[n])).ToArray(),
            session.OutputNames.Select(n => Info(n, session.OutputMetadata[n])).ToArray());

        static TensorInfo Info(string name, NodeMetadata meta) =>
            new TensorInfo(name, meta.IsTensor ? meta.ElementDataType : TensorElementType.DataTypeMax, meta.Dimensions.ToArray());

        public TensorInfo? Input(string name) => Inputs.FirstOrDefault(i => i.Name == name);
        public TensorInfo? Output(string name) => Outputs.FirstOrDefault(o => o.Name == name);

        /// <summary>The numbered members of a family such as down_block_res_sample_0..N-1, in index order.</summary>
        public IReadOnlyList<TensorInfo> Family(IReadOnlyList<TensorInfo> tensors, string prefix) => tensors
            .Where(t => t.Name.StartsWith(prefix) && int.TryParse(t.Name.Substring(prefix.Length), out _))
            .OrderBy(t => int.Parse(t.Name.Substring(prefix.Length)))
            .ToArray();
    }
}
