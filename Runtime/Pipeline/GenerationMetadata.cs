using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Embeds the settings of a generation in its PNG, the way A1111-style tools do: a "parameters" tEXt chunk
    /// people and other tools read, plus an "instantid" chunk with the full request as JSON that reproduces the
    /// image (<see cref="ReadRequest"/>). The CLI and the editor gallery write the same chunks.
    /// </summary>
    public static class GenerationMetadata
    {
        public const string ParametersKey = "parameters";
        public const string RequestKey = "instantid";

        static readonly JsonSerializerSettings JsonSettings = new JsonSerializerSettings
        {
            NullValueHandling = NullValueHandling.Ignore,
            Culture = CultureInfo.InvariantCulture,
            MaxDepth = 32,
        };

        /// <summary>A1111's "parameters" text: prompt, negative prompt, then "Key: value" pairs.</summary>
        public static string Parameters(GenerationRequest r)
        {
            string F(float v) => v.ToString("0.###", CultureInfo.InvariantCulture);
            var pairs = new[]
            {
                ("Steps", r.Steps.ToString(CultureInfo.InvariantCulture)),
                ("Sampler", r.Scheduler ?? "model default"),
                ("CFG scale", F(r.GuidanceScale)),
                ("Seed", r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "random"),
                ("Size", $"{r.Width}x{r.Height}"),
                ("IP-Adapter scale", F(r.IpAdapterScale)),
                ("IdentityNet scale", F(r.IdentityNetScale)),
                ("IdentityNet window", $"{F(r.IdentityNetStart)}-{F(r.IdentityNetEnd)}"),
                ("Generator", "InstantID Avatars"),
            };
            return Clean(r.Prompt) + "\nNegative prompt: " + Clean(r.NegativePrompt) + "\n"
                   + string.Join(", ", pairs.Select(p => p.Item1 + ": " + p.Item2));
        }

        static string Clean(string s) => (s ?? "").Replace("\r", " ").Replace("\n", " ");

        /// <summary>The request as JSON (images and profiles given as objects are left out; paths stay).</summary>
        public static string ToJson(GenerationRequest r) => JsonConvert.SerializeObject(r, Formatting.None, JsonSettings);

        /// <summary>Parses a request written by <see cref="ToJson"/>.</summary>
        public static GenerationRequest FromJson(string json)
        {
            try
            {
                return JsonConvert.DeserializeObject<GenerationRequest>(json, JsonSettings)
                       ?? throw new InstantIdException("The saved settings are empty.");
            }
            catch (JsonException e)
            {
                throw new InstantIdException("The saved generation settings are not valid JSON: " + e.Message, e);
            }
        }

        /// <summary>Saves the image as PNG with both chunks, atomically.</summary>
        public static void SavePng(Image<Rgb24> image, GenerationRequest settings, string path)
        {
            var metadata = image.Metadata.GetPngMetadata();
            metadata.TextData.Clear();
            metadata.TextData.Add(new PngTextData(ParametersKey, Parameters(settings), "", ""));
            metadata.TextData.Add(new PngTextData(RequestKey, ToJson(settings), "", ""));
            AtomicFile.Write(path, stream => image.SaveAsPng(stream, new PngEncoder { TextCompressionThreshold = int.MaxValue }));
        }

        /// <summary>Reads one text chunk of a PNG, or null.</summary>
        public static string? ReadText(string pngPath, string key)
        {
            try
            {
                using var stream = File.OpenRead(pngPath);
                var info = Image.Identify(stream) ?? throw new InstantIdException($"'{pngPath}' is not an image; give a PNG this package wrote.");
                return info.Metadata.GetPngMetadata().TextData.FirstOrDefault(t => t.Keyword == key).Value;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ImageFormatException)
            {
                // a missing, locked or damaged file is the caller's input, not a bug: one typed error that names it
                throw new InstantIdException($"Cannot read the settings of '{pngPath}': {e.Message} Check the path, or give a PNG this package wrote.", e);
            }
        }

        /// <summary>The request saved in a PNG this package wrote (for reproducing it).</summary>
        public static GenerationRequest ReadRequest(string pngPath) =>
            FromJson(ReadText(pngPath, RequestKey)
                     ?? throw new InstantIdException($"'{pngPath}' has no InstantID settings (no \"{RequestKey}\" PNG chunk); was it made by this package?"));
    }
}
