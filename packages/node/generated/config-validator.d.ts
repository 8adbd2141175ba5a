// Types of the generated standalone validator (Ajv's error objects, the fields this package reads).
export interface ConfigValidationError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
}

export interface ConfigValidateFunction {
  (data: unknown): boolean;
  errors?: ConfigValidationError[] | null;
}

export declare const validate: ConfigValidateFunction;
export default validate;
