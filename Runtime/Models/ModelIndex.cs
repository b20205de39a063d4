using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Models
{
    /// <summary>
    /// The parsed <c>model_index.json</c> of a model set (ARCHITECTURE §4). Parsing is strict: every problem in
    /// the file is collected and reported at once, naming the field and what was expected.
    /// </summary>
    public sealed class ModelIndex
    {
        public const string FileName = "model_index.json";
        public const string FormatName = "instantid-avatars/onnx";
        /// <summary>The newest format version this runtime reads.</summary>
        public const int SupportedVersion = 1;

        public int Version { get; private set; }
        /// <summary>"float16" or "float32": the precision of the denoiser models.</summary>
        public string DType { get; private set; } = "float32";
        public float VaeScalingFactor { get; private set; }
        public int DefaultWidth { get; private set; }
        public int DefaultHeight { get; private set; }
        public int ImageTokens { get; private set; }
        public int FaceDetSize { get; private set; }
        /// <summary>The diffusers scheduler_config.json fields (with <c>_class_name</c>).</summary>
        public JObject Scheduler { get; private set; } = new JObject();
        /// <summary>Where the set came from (free-form, written by the export tool).</summary>
        public JObject Source { get; private set; } = new JObject();
        /// <summary>The raw document, for fields added by newer export tools.</summary>
        public JObject Raw { get; private set; } = new JObject();

        public bool IsFloat16 => DType == "float16";

        /// <summary>Reads and checks <c>model_index.json</c> in <paramref name="folder"/>.</summary>
        public static ModelIndex Load(string folder)
        {
            var path = Path.Combine(folder, FileName);
            if (Directory.Exists(path))
                throw new ModelSetException(folder, new[] { $"{FileName} is a folder, not a file: replace it with the {FileName} written by Tools~/export" });
            if (!File.Exists(path))
                throw new ModelSetException(folder, new[] { $"{FileName} is missing: is '{folder}' a model set folder made by Tools~/export?" });
            string text;
            try { text = File.ReadAllText(path); }
            catch (IOException e) { throw new ModelSetException(folder, new[] { $"{FileName} cannot be read: {e.Message}" }); }
            return Parse(text, folder);
        }

        /// <summary>Parses the text of a model_index.json; <paramref name="folder"/> is only used in messages.</summary>
        public static ModelIndex Parse(string json, string folder)
        {
            JObject root;
            try
            {
                using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
                root = JObject.Load(reader);
            }
            catch (JsonException e)
            {
                throw new ModelSetException(folder, new[] { $"{FileName} is not valid JSON ({e.Message}); re-export the set or fix the file" });
            }

            var problems = new List<string>();
            var index = new ModelIndex { Raw = root };

            var format = root.Value<string?>("format");
            if (format != FormatName)
                problems.Add($"{FileName}: \"format\" must be \"{FormatName}\", found {Show(root["format"])}");

            index.Version = Int(root, "version", problems, 1, int.MaxValue);
            if (index.Version > SupportedVersion)
                problems.Add($"{FileName}: format version {index.Version} is newer than this package reads ({SupportedVersion}); update the package or re-export with a matching tool");

            var dtype = root.Value<string?>("dtype");
            if (dtype != "float16" && dtype != "float32")
                problems.Add($"{FileName}: \"dtype\" must be \"float16\" or \"float32\", found {Show(root["dtype"])}");
            else
                index.DType = dtype;

            index.VaeScalingFactor = (float)Number(root, "vae_scaling_factor", problems, 1e-6, 100);

            if (root["default_size"] is JArray size && size.Count == 2 && size[0].Type == JTokenType.Integer && size[1].Type == JTokenType.Integer
                && (int)size[0] > 0 && (int)size[1] > 0 && (int)size[0] % 8 == 0 && (int)size[1] % 8 == 0)
            {
                // diffusers order: [height, width]; the export tool writes [1024, 1024]
                index.DefaultHeight = (int)size[0];
                index.DefaultWidth = (int)size[1];
            }
            else
                problems.Add($"{FileName}: \"default_size\" must be [height, width], positive multiples of 8, found {Show(root["default_size"])}");

            index.ImageTokens = Int(root, "image_tokens", problems, 1, 4096);

            if (root["face"] is JObject face)
                index.FaceDetSize = Int(face, "det_size", problems, 32, 4096, "face.");
            else
                problems.Add($"{FileName}: \"face\" must be an object like {{\"det_size\": 640}}, found {Show(root["face"])}");

            if (root["scheduler"] is JObject scheduler)
                index.Scheduler = scheduler;
            else
                problems.Add($"{FileName}: \"scheduler\" must be an object with diffusers scheduler_config.json fields, found {Show(root["scheduler"])}");

            if (root["source"] is JObject source) index.Source = source;

            if (problems.Count > 0) throw new ModelSetException(folder, problems);
            return index;
        }

        static int Int(JObject obj, string name, List<string> problems, int min, int max, string prefix = "")
        {
            var token = obj[name];
            // Integers beyond long (JSON allows any length) are out of range, not an OverflowException.
            if (token == null || token.Type != JTokenType.Integer || (token is JValue { Value: System.Numerics.BigInteger })
                || (long)token < min || (long)token > max)
            {
                problems.Add($"{FileName}: \"{prefix}{name}\" must be an integer in {min}..{max}, found {Show(token)}");
                return 0;
            }
            return (int)token;
        }

        static double Number(JObject obj, string name, List<string> problems, double min, double max)
        {
            var token = obj[name];
            if (token == null || (token.Type != JTokenType.Float && token.Type != JTokenType.Integer) || (double)token < min || (double)token > max)
            {
                problems.Add($"{FileName}: \"{name}\" must be a number in {min}..{max}, found {Show(token)}");
                return 0;
            }
            return (double)token;
        }

        static string Show(JToken? token) => token == null ? "nothing" : token.ToString(Formatting.None);
    }
}
