using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InstantIdAvatars.Models
{
    /// <summary>
    /// One native tensor of float32 or float16 whose buffer lives as long as its shape does, so a denoising loop
    /// writes into the same memory every step. Callers always see float32; float16 is converted on the way.
    /// </summary>
    internal sealed class OrtTensor : IDisposable
    {
        public OrtTensor(TensorElementType elementType, long[] shape)
        {
            if (elementType != TensorElementType.Float && elementType != TensorElementType.Float16)
                throw new ArgumentException("only float32 and float16 tensors are supported, not " + elementType);
            ElementType = elementType;
            Shape = (long[])shape.Clone();
            long length = 1;
            foreach (var d in shape) length *= d;
            Length = checked((int)length);
            Value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, Shape);
        }

        public TensorElementType ElementType { get; }
        public long[] Shape { get; }
        public int Length { get; }
        public OrtValue Value { get; }
        public bool IsHalf => ElementType == TensorElementType.Float16;

        public bool HasShape(ReadOnlySpan<long> shape) => shape.SequenceEqual(Shape);

        Span<ushort> HalfSpan => MemoryMarshal.Cast<byte, ushort>(Value.GetTensorMutableRawData());
        Span<float> FloatSpan => Value.GetTensorMutableDataAsSpan<float>();

        public void Write(ReadOnlySpan<float> source)
        {
            if (source.Length != Length)
                throw new ArgumentException($"tensor of {Length} values given {source.Length}");
            if (IsHalf) HalfConverter.FromFloat(source, HalfSpan);
            else source.CopyTo(FloatSpan);
        }

        public void Fill(float value)
        {
            if (IsHalf) HalfSpan.Fill(HalfConverter.FromFloat(value));
            else FloatSpan.Fill(value);
        }

        public void Read(Span<float> destination)
        {
            if (destination.Length != Length)
                throw new ArgumentException($"tensor of {Length} values read into {destination.Length}");
            if (IsHalf) HalfConverter.ToFloat(HalfSpan, destination);
            else FloatSpan.CopyTo(destination);
        }

        /// <summary>destination += this (summing several ControlNets' residuals).</summary>
        public void AddTo(Span<float> destination)
        {
            if (destination.Length != Length)
                throw new ArgumentException($"tensor of {Length} values added into {destination.Length}");
            if (IsHalf)
            {
                var half = HalfSpan;
                for (int i = 0; i < destination.Length; i++) destination[i] += HalfConverter.ToFloat(half[i]);
            }
            else
            {
                var values = FloatSpan;
                for (int i = 0; i < destination.Length; i++) destination[i] += values[i];
            }
        }

        public void CopyRawFrom(OrtValue source) => source.GetTensorMutableRawData().CopyTo(Value.GetTensorMutableRawData());

        public void Dispose() => Value.Dispose();
    }

    /// <summary>
    /// Binds a session's inputs and outputs by name to persistent <see cref="OrtTensor"/>s. Outputs are allocated
    /// after the first run for a given set of input shapes and then reused, so steady-state steps allocate nothing.
    /// The session itself belongs to the caller.
    /// </summary>
    internal sealed class SessionIo : IDisposable
    {
        readonly InferenceSession _session;
        readonly RunOptions _runOptions = new RunOptions();
        readonly Dictionary<string, OrtTensor> _inputs = new Dictionary<string, OrtTensor>();
        readonly Dictionary<string, OrtTensor> _outputs = new Dictionary<string, OrtTensor>();
        readonly Dictionary<string, OrtTensor> _borrowed = new Dictionary<string, OrtTensor>();
        readonly string[] _inputNames;
        readonly string[] _outputNames;
        readonly OrtValue[] _inputValues;
        readonly OrtValue[] _outputValues;
        int _shapeVersion;
        int _outputsVersion = -1;
        int _bindVersion = -1;

        public SessionIo(InferenceSession session, string label)
        {
            _session = session ?? throw new ArgumentNullException(nameof(session));
            Label = label;
            _inputNames = session.InputNames.ToArray();
            _outputNames = session.OutputNames.ToArray();
            _inputValues = new OrtValue[_inputNames.Length];
            _outputValues = new OrtValue[_outputNames.Length];
        }

        public string Label { get; }
        public IReadOnlyList<string> InputNames => _inputNames;
        public IReadOnlyList<string> OutputNames => _outputNames;
        public bool HasInput(string name) => Array.IndexOf(_inputNames, name) >= 0;
        public bool HasOutput(string name) => Array.IndexOf(_outputNames, name) >= 0;

        public void RequireInputs(params string[] names)
        {
            var missing = names.Where(n => !HasInput(n)).ToArray();
            if (missing.Length > 0)
                throw new ModelBindingException(
                    $"The {Label} model has no input(s) {string.Join(", ", missing.Select(m => "'" + m + "'"))} "
                    + $"(it has {string.Join(", ", _inputNames)}). Export the model set with the names of the model-set contract (ARCHITECTURE §4).");
        }

        public void RequireOutputs(params string[] names)
        {
            var missing = names.Where(n => !HasOutput(n)).ToArray();
            if (missing.Length > 0)
                throw new ModelBindingException(
                    $"The {Label} model has no output(s) {string.Join(", ", missing.Select(m => "'" + m + "'"))} "
                    + $"(it has {string.Join(", ", _outputNames)}). Export the model set with the names of the model-set contract (ARCHITECTURE §4).");
        }

        /// <summary>Dimensions the model declares for an input (-1 where dynamic).</summary>
        public int[] InputDimensions(string name) => _session.InputMetadata[name].Dimensions;

        public TensorElementType InputElementType(string name) => _session.InputMetadata[name].ElementDataType;

        /// <summary>The persistent tensor for an input, (re)allocated with the model's element type when the shape changes.</summary>
        public OrtTensor Input(string name, params long[] shape)
        {
            if (_borrowed.Remove(name)) _shapeVersion++;
            if (_inputs.TryGetValue(name, out var tensor) && tensor.HasShape(shape)) return tensor;
            if (!HasInput(name)) RequireInputs(name);
            var type = InputElementType(name);
            if (type != TensorElementType.Float && type != TensorElementType.Float16)
                throw new ModelBindingException($"The {Label} model's input '{name}' is {type}; the contract wants float32 or float16.");
            tensor?.Dispose();
            tensor = new OrtTensor(type, shape);
            _inputs[name] = tensor;
            _shapeVersion++;
            return tensor;
        }

        /// <summary>Binds another model's tensor (not owned) as an input, e.g. ControlNet outputs into the UNet.</summary>
        public void Borrow(string name, OrtTensor tensor)
        {
            if (_borrowed.TryGetValue(name, out var current) && ReferenceEquals(current, tensor)) return;
            if (!HasInput(name)) RequireInputs(name);
            if (_inputs.TryGetValue(name, out var owned)) { owned.Dispose(); _inputs.Remove(name); }
            _borrowed[name] = tensor;
            _shapeVersion++;
        }

        public void Write(string name, ReadOnlySpan<float> values, params long[] shape) => Input(name, shape).Write(values);

        public void WriteScalar(string name, float value) => Input(name, 1).Fill(value);

        /// <summary>An output of the last <see cref="Run"/>.</summary>
        public OrtTensor Output(string name)
        {
            if (_outputs.TryGetValue(name, out var tensor)) return tensor;
            throw new InvalidOperationException($"{Label}: output '{name}' is not available before Run");
        }

        public void Run()
        {
            if (_bindVersion != _shapeVersion)
            {
                for (int i = 0; i < _inputNames.Length; i++)
                {
                    if (!_borrowed.TryGetValue(_inputNames[i], out var tensor) && !_inputs.TryGetValue(_inputNames[i], out tensor))
                        throw new ModelBindingException($"The {Label} model's input '{_inputNames[i]}' was not given; it is not part of the model-set contract.");
                    _inputValues[i] = tensor.Value;
                }
                _bindVersion = _shapeVersion;
            }
            if (_outputsVersion == _shapeVersion)
            {
                _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
                return;
            }
            // First run at these input shapes: let ORT size the outputs, then keep buffers of those shapes.
            using (var results = _session.Run(_runOptions, _inputNames, _inputValues, _outputNames))
            {
                int i = 0;
                foreach (var result in results)
                {
                    var info = result.GetTensorTypeAndShape();
                    var name = _outputNames[i];
                    if (_outputs.TryGetValue(name, out var old)) old.Dispose();
                    var tensor = new OrtTensor(info.ElementDataType, info.Shape);
                    tensor.CopyRawFrom(result);
                    _outputs[name] = tensor;
                    _outputValues[i] = tensor.Value;
                    i++;
                }
            }
            _outputsVersion = _shapeVersion;
        }

        public void Dispose()
        {
            foreach (var t in _inputs.Values) t.Dispose();
            foreach (var t in _outputs.Values) t.Dispose();
            _inputs.Clear();
            _outputs.Clear();
            _borrowed.Clear();
            _runOptions.Dispose();
        }
    }
}
