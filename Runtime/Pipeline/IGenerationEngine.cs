using System;
using System.Threading;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Does the work of one request on the generator's worker thread. The real engine runs the ONNX pipeline;
    /// tests plug in their own to exercise queueing, cancellation and disposal.
    /// </summary>
    interface IGenerationEngine : IDisposable
    {
        GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken cancellation);
    }
}
